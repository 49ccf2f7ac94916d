// Package deploy holds checks of the deployment files at the repository's root: the Dockerfile,
// docker-compose.yml and the PostgreSQL initialisation script in deploy/postgres-init. It has no
// code of its own; its tests fail when one of those files loses a property the service relies on
// (a restricted database role, an unprivileged container user, GOV.UK Frontend in the image).
package deploy
