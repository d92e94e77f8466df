# flowaudit as a container image.
#
#   docker build -t flowaudit .
#   docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     -e AWS_REGION flowaudit scan
#   docker run --rm -v "$HOME/.aws:/home/nonroot/.aws:ro" -e AWS_PROFILE=audit flowaudit scan
#   docker run --rm -v "$PWD:/work:ro" -w /work flowaudit iac .
#
# Build stage: a static (musl) release binary, so the runtime image needs no libc.
FROM rust:1.95-alpine3.22 AS build
# The C parts (ring, the bundled SQLite) compile with musl's headers.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p flowaudit \
 && /src/target/release/flowaudit --version

# Runtime stage: the binary, CA certificates and time zones, no shell; runs as the
# unprivileged user nonroot (65532), whose home (/home/nonroot) holds ~/.aws and the
# run history (~/.local/share/flowaudit).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/release/flowaudit /usr/local/bin/flowaudit
USER 65532:65532
ENV HOME=/home/nonroot
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/flowaudit"]
CMD ["--help"]
