export const HELP = `Switchyard: a self-hosted LLM gateway and observability service.

Usage:
  switchyard [serve] [options]        start the gateway (the default command)
  switchyard keys create --org NAME [--env prod|test] [--role admin|member|read_only] [--name TEXT]
                          [--expires ISO-DATE] [--rate-limit RPM] [--max-usage N] [--spending-limit USD]
  switchyard keys list [--org NAME]
  switchyard keys revoke KEY_ID_OR_PREFIX
  switchyard loadtest [--url URL] [--rate R | --connections N] [--duration S] [--stream]
                      [--model M --prompt-tokens N --max-tokens N | --body FILE]
                      [--compare URL] [--json]    load test a gateway or any OpenAI-compatible URL
  switchyard mock [--port 9000] [--ttft-ms MS] [--tokens-per-second N] ...
                                      the mock provider as a standalone upstream
  switchyard migrate-store --from DATA_DIR --to postgres://USER@HOST:PORT/DB [--allow-non-empty] [--batch N]
                                      copy a SQLite data folder's records into PostgreSQL
                                      (progress on stderr, a count check per table)
  switchyard healthcheck [options]    ask the running gateway's /health (exit 0 when healthy;
                                      for container health checks)
  switchyard --version | version
  switchyard --help | help

Options for serve (and healthcheck; --data-dir/--database-url/--config for keys):
  --host HOST                 listen address (default 127.0.0.1)
  --port PORT                 listen port (default 8080; 0 picks a free one)
  --data-dir DIR              where the SQLite database lives (default ./data)
  --database-url URL          a shared PostgreSQL instead (postgres://user:password@host:port/db)
  --redis-url URL             Redis for rate limits, budgets, cache and invalidations (redis://host:port)
  --config FILE               JSON, YAML or TOML config file
  --log-level LEVEL           debug | info | warn | error (default info)
  --log-format FORMAT         text | json (one JSON object per line) (default text)
  --body-limit-mb MB          largest accepted request body (default 32)
  --shutdown-timeout-ms MS    how long in-flight requests may finish on SIGTERM (default 10000)
  --no-mock-provider          disable the built-in mock provider

Options for loadtest (docs/loadtest.md has the details and a worked example):
  --url URL                   base URL (.../api, .../v1) or full chat completions URL;
                              default: this gateway, from --config and SWITCHYARD_* like serve
  --key KEY                   API key (else SWITCHYARD_API_KEY; for this gateway, its bootstrap key)
  --rate R                    open loop: R requests per second, latency from each one's scheduled start
  --connections N             closed loop with N connections; with --rate, the most it may open (1000)
  --duration S                measured seconds (default 10); --warmup S first (default 0)
  --timeout S                 a request's time limit (default 60)
  --stream                    stream answers: adds time to first token and gaps between chunks
  --model M                   model of the built body (default mock/loadtest)
  --prompt-tokens N           prompt length in words (default 64)
  --max-tokens N              max_tokens (default 64)
  --body FILE                 a JSON body to send instead (--model, --max-tokens, --stream still apply)
  --header 'Name: value'      an extra header (repeatable)
  --compare URL               then run the same load against URL and print what the target adds
  --compare-key KEY           API key for --compare (none by default)
  --json                      the report as JSON on stdout; --quiet: no progress on stderr

Options for mock: --host, --port, --profiles FILE (per-model profiles), --ttft-ms,
  --ttft-p99-ms, --tokens-per-second, --jitter, --output-tokens, --error-percent,
  --error-status, --rate-limit-percent, --retry-after-s (see docs/loadtest.md)

Precedence: flags > environment (SWITCHYARD_*) > config file > defaults.
See README.md for every option and environment variable.
`;
