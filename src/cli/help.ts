export const HELP = `Switchyard: a self-hosted LLM gateway and observability service.

Usage:
  switchyard [serve] [options]        start the gateway (the default command)
  switchyard keys create --org NAME [--env prod|test] [--role admin|member|read_only] [--name TEXT]
                          [--expires ISO-DATE] [--rate-limit RPM] [--max-usage N] [--spending-limit USD]
  switchyard keys list [--org NAME]
  switchyard keys revoke KEY_ID_OR_PREFIX
  switchyard --version | version
  switchyard --help | help

Options for serve (and --data-dir/--config for keys):
  --host HOST                 listen address (default 127.0.0.1)
  --port PORT                 listen port (default 8080; 0 picks a free one)
  --data-dir DIR              where the SQLite database lives (default ./data)
  --config FILE               JSON, YAML or TOML config file
  --log-level LEVEL           debug | info | warn | error (default info)
  --body-limit-mb MB          largest accepted request body (default 32)
  --shutdown-timeout-ms MS    how long in-flight requests may finish on SIGTERM (default 10000)
  --no-mock-provider          disable the built-in mock provider

Precedence: flags > environment (SWITCHYARD_*) > config file > defaults.
See README.md for every option and environment variable.
`;
