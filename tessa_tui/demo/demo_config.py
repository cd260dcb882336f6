"""The configuration the demo console runs with, written into the demo's state dir for users to learn from."""

from __future__ import annotations

from pathlib import Path

TEMPLATE = """\
# Written by `tessa-tui demo`: the configuration the demo console runs with.
# Copy it as a starting point for your own tessa.yaml; `tessa-tui config schema` lists every key.
# The integrations' credentials come from the environment, as they must: `tessa-tui demo` sets them for its
# console; to use this file from another shell, first run: eval "$(tessa-tui demo --env)"
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
  - name: Our status page
    group: vendors
    statuspage: {base}/status
    interval: 10s
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

# The platform's logs where production keeps them: Supabase's log query (the Management API), which the demo
# platform simulates over its own traffic and drills. `app` is a local file beside them, kept as a file source
# (benchmarks/soak.py floods it; a log shipped to disk is followed like `tail -F`).
logs:
  - name: app
    path: {logs}/app.log
    format: json
  - name: edge
    supabase:
      project-ref: {supabase_ref}
      token: ${{TESSA_DEMO_SUPABASE_TOKEN}}
      sql: select id, timestamp, event_message, metadata from edge_logs
      api-url: {base}
      interval: 5s
  - name: edge-functions  # the name the runbooks give it (tessa-tui logs edge-functions)
    supabase:
      project-ref: {supabase_ref}
      token: ${{TESSA_DEMO_SUPABASE_TOKEN}}
      sql: select id, timestamp, event_message, metadata from function_logs
      api-url: {base}
      interval: 5s
  - name: postgres
    supabase:
      project-ref: {supabase_ref}
      token: ${{TESSA_DEMO_SUPABASE_TOKEN}}
      sql: select id, timestamp, event_message, metadata from postgres_logs
      api-url: {base}
      interval: 5s

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
  project_id: {supabase_ref}
  function_name: chat
  repo_path: {state}/app-repo          # the app's git checkout: a repository the demo creates with recent commits
  user_email: user7@example.com        # prefills the account-compromise steps
  client_ip: 198.51.100.7              # the login-failures drill's attacker
  supabase_anon_key: demo-anon-key
  supabase_access_token: demo-access-token  # the Management API's log query, simulated (demo/supabase_api_sim.py)
  supabase_api_url: {base}             # ... which the demo serves itself
  openai_status_url: {base}/vendors/openai

# This console's copy of the shared journal below; `tessa-tui demo --join` opens another responder's console on it.
journal:
  path: {state}/journal.sqlite3
  shared:
    dsn: {journal_dsn}
    pull-interval: 5s

# The demo platform simulates PagerDuty, Slack and Statuspage too: each drill pages, the SEV procedures'
# steps acknowledge it, post to #incidents (`tessa-tui demo --slack` prints the channel) and update the
# status page the services pane watches ("Our status page").
integrations:
  pagerduty:
    token: ${{TESSA_DEMO_PAGERDUTY_TOKEN}}
    from: {pd_from}
    service-ids: [{pd_service}]
    routing-key: ${{TESSA_DEMO_PAGERDUTY_ROUTING_KEY}}
    api-url: {base}/pagerduty/api
    events-url: {base}/pagerduty/events
  slack:
    bot-token: ${{TESSA_DEMO_SLACK_BOT_TOKEN}}
    channel: "{channel}"
    api-url: {base}/slack/api
  statuspage:
    token: ${{TESSA_DEMO_STATUSPAGE_TOKEN}}
    page-id: {page_id}
    components:
{components}
    api-url: {base}/statuspage/api
  timeout: 5s
  retries: 1

# The demo's frontend on a simulated Vercel and its docs on a simulated Netlify, beside the app's checkout: the
# Deployments view (D), `tessa-tui deployments`, and the frontend rollback runbook's promote and restore steps.
# The bad-deploy drill ships a broken release to production; the rollback-frontend runbook's promote step fixes it.
deployments:
  sources:
    - name: web
      vercel:
        project: {vercel_project}
        team-id: {vercel_team}
        token: ${{TESSA_DEMO_VERCEL_TOKEN}}
        api-url: {base}/vercel
    - name: docs
      netlify:
        site-id: {netlify_site}
        token: ${{TESSA_DEMO_NETLIFY_TOKEN}}
        api-url: {base}/netlify/api/v1
    - name: app repo
      git:
        path: {state}/app-repo
  interval: 15s
  timeout: 5s

# The platform's figures, where production keeps them: a Supabase-style Metrics API (CPU, memory and connections
# from the demo's real PostgreSQL; db-slow raises them) and a Prometheus-compatible query API (error rate and p95
# from the demo's real request log; every drill's errors move them): the Metrics view (M), `tessa-tui metrics`,
# the daily review's error-rate and p95 items and the performance runbooks' metric steps.
metrics:
  sources:
    - name: supabase
      scrape:
        url: {base}/customer/v1/privileged/metrics
        username: service_role
        password: ${{TESSA_DEMO_SUPABASE_SECRET_KEY}}
      interval: 15s
    - name: prometheus
      prometheus:
        url: {base}/prometheus
        token: ${{TESSA_DEMO_PROMETHEUS_TOKEN}}
      interval: 15s
  series:
    - name: CPU
      source: supabase
      select: 'node_cpu_seconds_total{{mode!="idle"}}'
      per: node_cpu_seconds_total
      scale: 100
      unit: "%"
      warn-above: 50
      critical-above: 80
      role: cpu
    - name: Memory available
      source: supabase
      select: node_memory_MemAvailable_bytes
      per: node_memory_MemTotal_bytes
      scale: 100
      unit: "%"
      warn-below: 20
      critical-below: 10
      role: memory
    - name: Connections
      source: supabase
      select: pg_stat_database_num_backends
      per: pg_settings_max_connections
      scale: 100
      unit: "%"
      warn-above: 25
      critical-above: 80
      role: connections
    - name: Load (1m)
      source: supabase
      select: node_load1
      warn-above: 1.5
      critical-above: 3
    - name: Error rate
      source: prometheus
      query: '{error_rate}'
      scale: 100
      unit: "%"
      warn-above: 0.5
      critical-above: 1
      role: error-rate
    - name: API p95
      source: prometheus
      query: '{p95}'
      scale: 1000
      unit: ms
      warn-above: 1000
      critical-above: 2000
      role: latency-p95
  timeout: 5s
  history: 10m

demo:
  control-url: {base}/_demo
"""


DEMO_ENV = {
    "TESSA_DEMO_PAGERDUTY_TOKEN": "demo-pd-rest-key-7Qx2",
    "TESSA_DEMO_PAGERDUTY_ROUTING_KEY": "demoR0UT1NGkey00000000000000tessa",
    "TESSA_DEMO_SLACK_BOT_TOKEN": "xoxb-demo-0000-tessa-bot",
    "TESSA_DEMO_STATUSPAGE_TOKEN": "demo-sp-oauth-key-4Lm9",
    "TESSA_DEMO_VERCEL_TOKEN": "demo-vercel-token-8Rk3",
    "TESSA_DEMO_NETLIFY_TOKEN": "demo-netlify-pat-2Wd6",
    "TESSA_DEMO_SUPABASE_TOKEN": "demo-access-token",
    "TESSA_DEMO_SUPABASE_SECRET_KEY": "sb_secret_demo0000metrics7Tq",
    "TESSA_DEMO_PROMETHEUS_TOKEN": "demo-prom-token-3Hv8",
}
"""The demo integrations' credentials: not secret (the simulation on loopback accepts them and nothing else
does), but read from the environment like real ones; `tessa-tui demo` sets them for its console."""
SLACK_WEBHOOK_SECRET = "demowebhooksecret0001"  # noqa: S105 - the demo's, accepted only by the simulation


def demo_environment() -> dict[str, str]:
    """The variables the demo config reads, as `tessa-tui demo --env` prints them."""
    return dict(DEMO_ENV)


def write_demo_config(state_dir: Path, *, base_url: str, dsn: str, journal_dsn: str) -> Path:
    """Write tessa.yaml for the running demo into `state_dir`; return its path."""
    from tessa_tui.demo import deployments_sim, metrics_sim, pagerduty_sim, slack_sim, statuspage_sim, supabase_api_sim

    path = state_dir / "tessa.yaml"
    components = "\n".join(f"      {name}: {cid}" for name, cid in statuspage_sim.COMPONENTS.items())
    text = TEMPLATE.format(
        base=base_url,
        dsn=dsn,
        journal_dsn=journal_dsn,
        logs=state_dir / "logs",
        state=state_dir,
        pd_from=pagerduty_sim.FROM,
        pd_service=pagerduty_sim.SERVICE_ID,
        channel=slack_sim.CHANNEL,
        page_id=statuspage_sim.PAGE_ID,
        components=components,
        vercel_project=deployments_sim.VERCEL_PROJECT,
        vercel_team=deployments_sim.VERCEL_TEAM,
        netlify_site=deployments_sim.NETLIFY_SITE,
        supabase_ref=supabase_api_sim.PROJECT,
        error_rate=metrics_sim.error_rate_query("1m"),
        p95=metrics_sim.p95_query("1m"),
    )
    temporary = path.with_suffix(".yaml.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)  # readers never see half a file
    return path
