# The files the stack needs on a host, by rule, so files other parts add later
# (logging/**, new exporters under monitoring/**, packages/**) are picked up
# without editing this list. No provider: deploy/terraform/tests/bundle.test.ts
# evaluates this module with the terraform binary alone and compares the list
# with what compose.yaml includes, mounts and builds.

variable "repo_root" {
  description = "Absolute path of the repository checkout."
  type        = string
}

locals {
  include = [
    # The stack: the root file, everything it includes, the scripts and SQL
    # its one-shots mount (secrets-init/, db-roles/), and the debug override
    # an operator adds with -f for alert drills on the host.
    "compose.yaml",
    "deploy/compose/**",
    # The per-host overrides the systemd unit adds with -f.
    "deploy/terraform/compose/*.yaml",
    # Mounted configuration (Prometheus, Alertmanager, Grafana, exporters, logging).
    "monitoring/**",
    "logging/**",
    # Build contexts are the repository root: the Dockerfiles copy the npm
    # workspace manifests, the shared tsconfig and the services' sources.
    ".dockerignore",
    "package.json",
    "package-lock.json",
    "tsconfig.base.json",
    "services/**",
    "packages/**",
  ]

  # Tests, their helpers and tooling are not part of the stack, and local
  # secret files never leave the operator's machine: the hosts get theirs from
  # SSM. The same exclusions as .dockerignore for the build contexts.
  exclude = join("|", [
    "(^|/)(node_modules|dist|test-support|tests|coverage|secrets)/",
    "\\.test\\.ts$",
    "\\.md$",
    "^(monitoring|logging)/tsconfig\\.json$",
  ])

  candidates = distinct(flatten([for pattern in local.include : fileset(var.repo_root, pattern)]))
  files      = sort([for f in local.candidates : f if length(regexall(local.exclude, f)) == 0])

  # Over names and contents, not the zip (whose metadata may vary): the same
  # files give the same hash on any machine. deploy.sh recomputes it on the host.
  manifest = join("\n", [for f in local.files : "${filesha256("${var.repo_root}/${f}")}  ${f}"])
}

output "files" {
  description = "Repository-relative paths of the bundled files, sorted."
  value       = local.files
}

output "hash" {
  description = "SHA-256 of the manifest (`sha256  path` lines, sorted by path): the bundle's content hash."
  value       = sha256(local.manifest)
}
