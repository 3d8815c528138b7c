# Nothing sensitive: addresses, ids and commands. Secrets stay in SSM.

locals {
  # Local port = remote port, as in the README's tunnel for a local stack.
  operator_uis = {
    prometheus   = { host = var.monitoring_host ? "monitoring" : "app", port = 9090 }
    alertmanager = { host = var.monitoring_host ? "monitoring" : "app", port = 9093 }
    grafana      = { host = var.monitoring_host ? "monitoring" : "app", port = 3000 }
    kibana       = { host = var.monitoring_host ? "monitoring" : "app", port = 5601 }
    api          = { host = "app", port = 8000 }
  }
}

output "app_url" {
  description = "The public entry point (nginx, port 80)."
  # An existing VPC may have DNS hostnames off: then the address.
  value = "http://${coalesce(aws_instance.host["app"].public_dns, aws_instance.host["app"].public_ip)}/"
}

output "instance_ids" {
  description = "Instance id per host (app, and monitoring when monitoring_host)."
  value       = { for k, i in aws_instance.host : k => i.id }
}

output "instance_id" {
  description = "Instance id of the app host."
  value       = aws_instance.host["app"].id
}

output "bundle_hash" {
  description = "Content hash of the deployed bundle (deploy.sh checks it on the host)."
  value       = module.bundle_files.hash
}

output "ssm_tunnel_commands" {
  description = "Per operator UI: an SSM port forward; then open http://localhost:PORT."
  value = {
    for ui, t in local.operator_uis : ui => join(" ", [
      "aws ssm start-session --region ${var.region}",
      "--target ${aws_instance.host[t.host].id}",
      "--document-name AWS-StartPortForwardingSession",
      "--parameters 'portNumber=${t.port},localPortNumber=${t.port}'",
    ])
  }
}

output "ssh_tunnel_commands" {
  description = "Per operator UI: an SSH tunnel (null when SSH is off, admin_cidr_blocks = [])."
  value = local.ssh_enabled ? {
    for ui, t in local.operator_uis : ui => "ssh -N -L ${t.port}:localhost:${t.port} ubuntu@${coalesce(aws_instance.host[t.host].public_dns, aws_instance.host[t.host].public_ip)}"
  } : null
}

output "ssm_shell_command" {
  description = "A shell on the app host through Session Manager."
  value       = "aws ssm start-session --region ${var.region} --target ${aws_instance.host["app"].id}"
}

output "secret_parameter_names" {
  description = "The SSM SecureString names the hosts read (create them before apply, unless given in ssm_secret_values)."
  value       = values(local.secret_parameter_names)
}

output "redeploy_command" {
  description = "Runs the deploy associations again, e.g. after changing a secret's value in SSM (Terraform does not see that)."
  value       = "aws ssm start-associations-once --region ${var.region} --association-ids ${join(" ", [for a in aws_ssm_association.deploy : a.association_id])}"
}
