# Switchyard as a container image: the single binary on a minimal base.
#
#   docker build -t switchyard .
#   docker run -p 8080:8080 -v switchyard-data:/data -e SWITCHYARD_BOOTSTRAP_KEY=... switchyard
#
# Its contract (non-root, read-only working directory, only /data written, all
# configuration from the environment, /ready after migrations, draining stop,
# exit 0) is tested on the binary itself by scripts/contract.ts in CI.
# Examples: docs/deploy.md.

# Build stage: npm installs the locked dependencies, Bun included (the version
# package-lock.json pins), and Bun compiles the single executable.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY src ./src
COPY scripts/build.ts ./scripts/build.ts
RUN node_modules/.bin/bun scripts/build.ts --outfile dist/switchyard \
 && mkdir -p /out/data \
 && cp dist/switchyard /out/switchyard

# Run stage: glibc, CA certificates and time zones; no shell, no package manager.
# The binary needs nothing else (ldd: libc, libm, libpthread, libdl).
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build /out/switchyard /usr/local/bin/switchyard
# The data folder belongs to the image's non-root user (65532); a named volume
# mounted there starts with that ownership.
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME ["/data"]
# Every setting has an environment variable (README, Configuration); these are
# the container's defaults.
ENV SWITCHYARD_HOST=0.0.0.0 \
    SWITCHYARD_PORT=8080 \
    SWITCHYARD_DATA_DIR=/data
USER 65532:65532
WORKDIR /
EXPOSE 8080
# No curl in the image: the binary asks its own /health.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/switchyard", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/switchyard"]
CMD ["serve"]
