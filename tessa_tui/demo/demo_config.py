"""The configuration the demo console runs with, written into the demo's state dir for users to learn from."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = """\
# Written by `tessa-tui demo`: the configuration the demo console runs with.
# Copy it as a starting point for your own tessa.yaml; `tessa-tui config schema` lists every key.
platform: Tessa AI Platform (demo)
environment: demo

services:
  - name: Frontend
    group: frontend
    url: {base}/health
    interval: 10s
    conditions: ["[STATUS] == 200", "[BODY].status == ok"]
    degraded-latency: 1s
    failure-threshold: 2
  - name: Database health
    group: frontend
    url: {base}/health/database
    interval: 10s
    timeout: 4s
    conditions: ["[STATUS] == 200", "[BODY].status == ok"]
    failure-threshold: 2
  - name: Chat function
    group: edge functions
    url: {base}/functions/v1/chat/health
    interval: 10s
    timeout: 4s
    conditions: ["[STATUS] == 200", "[RESPONSE_TIME] < 2000"]
    degraded-latency: 1s
    failure-threshold: 2
  - name: Sync function
    group: edge functions
    url: {base}/functions/v1/sync/health
    interval: 10s
    conditions: ["[STATUS] == 200", "[BODY].backlog < 100"]
    failure-threshold: 2
  - name: Auth
    group: edge functions
    url: {base}/functions/v1/auth/health
    interval: 10s
    conditions: ["[STATUS] == 200", "[BODY].failed_login_rate < 0.1"]
    failure-threshold: 2
  - name: OpenAI
    group: vendors
    statuspage: {base}/vendors/openai
    interval: 20s
    failure-threshold: 1
  - name: Supabase
    group: vendors
    statuspage: {base}/vendors/supabase
    interval: 20s
    failure-threshold: 1

database:
  dsn: {dsn}
  activity-interval: 10s
  long-query-threshold: 5s
  queries:
    - name: Failed logins (15 min)
      sql: SELECT count(*) FROM failed_login_attempts WHERE attempted_at > now() - interval '15 minutes'
      warn-above: 50
      critical-above: 200
    - name: Sync queue backlog
      sql: SELECT count(*) FROM sync_queue WHERE status <> 'done'
      warn-above: 100
      critical-above: 500

logs:
  - name: app
    path: {logs}/app.log
    format: json
  - name: edge-functions
    path: {logs}/edge-functions.log
    format: json

contacts:
  people:
    - {{role: primary, name: Demo On-Call, phone: "+1 555 0100", slack: "@oncall"}}
    - {{role: secondary, name: Demo Secondary, phone: "+1 555 0101", slack: "@secondary"}}
    - {{role: escalation, name: Demo Manager, phone: "+1 555 0102", slack: "@manager"}}
  vendors:
    - {{name: Supabase Support, url: "https://supabase.com/dashboard/support/new"}}
    - {{name: OpenAI Support, url: "https://help.openai.com"}}
  channels:
    - {{name: "#incidents", url: "https://example.slack.com/archives/incidents"}}

quick-reference:
  urls:
    - {{name: Frontend, url: "{{production_url}}"}}
  commands:
    - {{name: Frontend health check, command: "curl {{production_url}}/health"}}
    - {{name: Database health, command: "curl {{production_url}}/health/database"}}

# Values for {{placeholders}} in runbook actions (docs/runbooks.md).
placeholders:
  production_url: {base}
  api_url: {base}                      # the Supabase API; the demo serves its edge functions itself
  project_id: tessa-demo
  function_name: chat
  repo_path: .                         # the app's git checkout: here, wherever the console was started
  user_email: user7@example.com        # prefills the account-compromise steps
  client_ip: 198.51.100.7              # the login-failures drill's attacker
  supabase_anon_key: demo-anon-key
  supabase_access_token: ""            # the Management API's log queries are not simulated: they fail, not ask

journal:
  path: {state}/journal.sqlite3

demo:
  control-url: {base}/_demo
"""


def write_demo_config(state_dir: Path, *, base_url: str, dsn: str) -> Path:
    """Write tessa.yaml for the running demo into `state_dir`; return its path."""
    path = state_dir / "tessa.yaml"
    text = TEMPLATE.format(base=base_url, dsn=dsn, logs=state_dir / "logs", state=state_dir)
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # readers never see half a file
    return path
