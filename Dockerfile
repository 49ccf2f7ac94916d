# syntax=docker/dockerfile:1
# A production image of thematic: `docker compose up --build` (see docker-compose.yml and README.md).
# internal/deploy/compose_test.go checks the facts this file must keep.

# 1. GOV.UK Frontend from npm, pinned by package-lock.json.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 2. The Go binary, with GOV.UK Frontend copied into web/static/govuk (as `make assets` does) and
#    embedded. Generated templ code is committed, so templ is not run here.
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN rm -rf web/static/govuk && mkdir -p web/static/govuk
COPY --from=assets /src/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css /src/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js web/static/govuk/
COPY --from=assets /src/node_modules/govuk-frontend/dist/govuk/assets web/static/govuk/assets
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/thematic ./cmd/thematic

# 3. The runtime: a static binary on distroless, as an unprivileged user. There is no shell, so
#    there is no HEALTHCHECK here: probe GET /healthz (alive) and GET /readyz (database reachable,
#    migrations current) from outside.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/thematic /thematic
USER nonroot:nonroot
EXPOSE 8080
ENV ADDR=0.0.0.0:8080 \
    APP_ENV=production
ENTRYPOINT ["/thematic"]
CMD ["serve"]
