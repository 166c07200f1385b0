#!/usr/bin/env bun
/** Entry point: picks the subcommand, loads the config once, runs it. */
import { checkServeArgs, UsageError } from './cli/args.ts';
import { healthcheck } from './cli/healthcheck.ts';
import { HELP } from './cli/help.ts';
import { keysCommand } from './cli/keys.ts';
import { ConfigError, loadConfig } from './config-load.ts';
import { GatewayError } from './errors.ts';
import { currentRequest } from './http/request-context.ts';
import { createLogger } from './lib/log.ts';
import { startServer } from './server.ts';
import { VERSION } from './version.ts';

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  const command = first === undefined || first.startsWith('-') ? 'serve' : first;
  const args = command === 'serve' && first !== 'serve' ? argv : rest;
  if (argv.includes('--help') || argv.includes('-h') || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (argv.includes('--version') || command === 'version') {
    process.stdout.write(`switchyard ${VERSION}\n`);
    return 0;
  }
  const env = process.env;
  switch (command) {
    case 'serve': {
      checkServeArgs(args);
      const config = loadConfig({ argv: args, env });
      const log = createLogger(config.log_level, {
        format: config.log_format,
        context: () => {
          const req = currentRequest();
          return req ? { request_id: req.id } : undefined;
        },
      });
      const server = await startServer(config, { log });
      const onSignal = (sig: string) => {
        log.info(`${sig} received: draining`);
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error('shutdown failed', { error: String(err) });
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGINT', () => onSignal('SIGINT'));
      return -1;
    }
    case 'healthcheck': {
      checkServeArgs(args);
      return healthcheck(loadConfig({ argv: args, env }), (line) => process.stdout.write(`${line}\n`));
    }
    case 'keys': {
      const config = loadConfig({ argv: args, env });
      await keysCommand(args, config, (line) => process.stdout.write(`${line}\n`));
      return 0;
    }
    // Loaded on demand: serve's start-up never pays for the load generator or the standalone mock.
    case 'loadtest': {
      const { loadtestCommand } = await import('./cli/loadtest.ts');
      return loadtestCommand(args, env, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        tty: process.stderr.isTTY === true,
      });
    }
    case 'migrate-store': {
      const { migrateStoreCommand } = await import('./cli/migrate-store.ts');
      return migrateStoreCommand(args, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    }
    case 'mock': {
      const { mockCommand } = await import('./cli/mock.ts');
      const upstream = mockCommand(args, (line) => process.stdout.write(`${line}\n`));
      const stop = () => void upstream.stop().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      return -1;
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(Bun.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`switchyard: ${err.message}\nRun 'switchyard --help' for usage.\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError || err instanceof GatewayError) {
      process.stderr.write(`switchyard: ${err.message}\n`);
      process.exit(78);
    }
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'EADDRINUSE') {
      process.stderr.write(`switchyard: the address is already in use (${e.message})\n`);
      process.exit(1);
    }
    process.stderr.write(`switchyard: ${e?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
