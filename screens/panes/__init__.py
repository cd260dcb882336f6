"""The dashboard's four panes: services, incident, logs, database."""
