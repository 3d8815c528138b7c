# Redeploys on a new bundle hash without replacing the hosts: a State Manager
# association runs deploy.sh through Run Command. Its command line carries the
# hash, so a new hash updates the association, and State Manager runs an
# updated association at once. deploy.sh fetches the bundle, rewrites the
# secrets and .env, and restarts the unit; containers whose configuration did
# not change keep running, and the data volume stays where it is.
resource "aws_ssm_association" "deploy" {
  for_each = local.hosts

  association_name = "${var.name}-${each.key}-deploy"
  name             = "AWS-RunShellScript"

  targets {
    key    = "InstanceIds"
    values = [aws_instance.host[each.key].id]
  }

  parameters = {
    commands = join("\n", [
      "# bundle ${module.bundle_files.hash}, secrets ${sha256(aws_ssm_parameter.secrets_manifest.value)}, env ${sha256(aws_ssm_parameter.compose_env.value)}",
      "/usr/local/sbin/observable-todo-deploy",
    ])
    # Building both images on the host takes a few minutes.
    executionTimeout = "1800"
  }

  # A failed deploy shows up in `aws ssm list-association-executions`.
  compliance_severity = "HIGH"

  depends_on = [
    aws_ssm_parameter.bundle_key,
    aws_ssm_parameter.secret,
    aws_ssm_parameter.private_ip,
    aws_volume_attachment.data,
  ]
}
