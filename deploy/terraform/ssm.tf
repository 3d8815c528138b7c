# Parameters under /<name>/: secrets (SecureString) and the deployment's
# non-secret settings, read by deploy.sh on every deploy, so a change here
# reaches the hosts through the association (deploy.tf) without replacing them.

locals {
  secret_parameter_names = { for k, s in var.ssm_secrets : k => "${local.parameter_prefix}/secrets/${k}" }

  # One line per secret: parameter|file|env var|owner uid. Names only, no values.
  secrets_manifest = join("\n", [
    for k, s in var.ssm_secrets : "${local.secret_parameter_names[k]}|${s.file}|${s.env_var}|${s.owner_uid}"
  ])

  compose_env = join("\n", [for k, v in var.compose_env : "${k}=${v}"])
}

# Only the secrets whose values were given to Terraform (they are then in the
# state). The default is to create them yourself, see the README.
resource "aws_ssm_parameter" "secret" {
  for_each = nonsensitive(toset(keys(var.ssm_secret_values)))

  name        = local.secret_parameter_names[each.value]
  description = "Observable Todo secret, written to deploy/compose/secrets/${var.ssm_secrets[each.value].file}"
  type        = "SecureString"
  key_id      = var.ssm_kms_key_arn
  value_wo    = var.ssm_secret_values[each.value]
  # Write-only (Terraform 1.11): the value is sent to AWS and never stored in
  # the state or the plan; raise ssm_secret_values_version to write new values.
  value_wo_version = var.ssm_secret_values_version
}

resource "aws_ssm_parameter" "bundle_key" {
  name        = "${local.parameter_prefix}/deploy/bundle-key"
  description = "S3 key of the bundle the hosts run"
  type        = "String"
  value       = local.bundle_key

  depends_on = [aws_s3_object.bundle]
}

resource "aws_ssm_parameter" "secrets_manifest" {
  name        = "${local.parameter_prefix}/deploy/secrets"
  description = "Which SSM parameters become which secret files (names only)"
  type        = "String"
  # SSM refuses an empty value.
  value = coalesce(local.secrets_manifest, "#none")
}

resource "aws_ssm_parameter" "compose_env" {
  name        = "${local.parameter_prefix}/deploy/env"
  description = "Extra non-secret .env lines"
  type        = "String"
  value       = coalesce(local.compose_env, "#none")
}

resource "aws_ssm_parameter" "private_ip" {
  for_each = local.hosts

  name        = "${local.parameter_prefix}/hosts/${each.key}/private-ip"
  description = "Private address of the ${each.key} host, for the other host's overrides"
  type        = "String"
  value       = aws_instance.host[each.key].private_ip
}
