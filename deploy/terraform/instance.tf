# One host (role "single": the whole stack) or, with monitoring_host, two:
# "app" (database, API, frontend, exporters, log shipper) and "monitoring"
# (Prometheus, Alertmanager, Grafana, the logging stack). Same AMI, same boot
# script, same bundle; the role picks the compose override and services.

locals {
  hosts = merge(
    {
      app = {
        role          = var.monitoring_host ? "app" : "single"
        instance_type = var.instance_type
        sg            = aws_security_group.app.id
        public_ip     = true
      }
    },
    var.monitoring_host ? {
      monitoring = {
        role          = "monitoring"
        instance_type = var.monitoring_instance_type
        sg            = aws_security_group.monitoring[0].id
        # Still needs outbound internet (public subnet, no NAT) but serves nothing publicly.
        public_ip = true
      }
    } : {}
  )
  ssh_enabled = length(var.admin_cidr_blocks) > 0
  # Where the data volume is attached; on Nitro instances it shows up as
  # /dev/nvme*n1 and deploy.sh finds it by volume id instead.
  data_device_name = "/dev/sdf"
}

data "aws_ssm_parameter" "ami" {
  name = var.ami_ssm_parameter
}

resource "aws_key_pair" "admin" {
  count = local.ssh_enabled ? 1 : 0

  key_name_prefix = "${var.name}-"
  public_key      = var.ssh_public_key
}

resource "aws_ebs_volume" "data" {
  for_each = local.hosts

  availability_zone = data.aws_subnet.selected.availability_zone
  size              = var.data_volume_size_gb
  type              = "gp3"
  encrypted         = true

  # PostgreSQL, Prometheus and Elasticsearch data: a resource of its own, so
  # replacing the instance (new AMI, new user data) keeps it.
  tags = { Name = "${var.name}-${each.key}-data" }
}

data "aws_subnet" "selected" {
  id = local.subnet_id
}

resource "aws_instance" "host" {
  for_each = local.hosts

  ami                         = data.aws_ssm_parameter.ami.insecure_value
  instance_type               = each.value.instance_type
  subnet_id                   = local.subnet_id
  vpc_security_group_ids      = [each.value.sg]
  associate_public_ip_address = each.value.public_ip
  iam_instance_profile        = aws_iam_instance_profile.host.name
  key_name                    = local.ssh_enabled ? aws_key_pair.admin[0].key_name : null
  monitoring                  = var.detailed_monitoring
  disable_api_termination     = var.termination_protection

  metadata_options {
    http_endpoint = "enabled"
    # IMDSv2 only: a token from a PUT is needed, which SSRF through a GET
    # (e.g. a proxied URL) cannot obtain.
    http_tokens = "required"
    # The token's IP TTL: 1 hop reaches the host but not a container behind
    # Docker's bridge (one more hop), so no container can take the instance
    # role's credentials.
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size_gb
    encrypted             = true
    delete_on_termination = true
  }

  # Only settings that never change with a deploy: the bundle, secrets and
  # .env come from SSM parameters at each deploy (deploy.tf).
  user_data = templatefile("${path.module}/files/cloud-init.yaml.tftpl", {
    deploy_script = file("${path.module}/files/deploy.sh")
    unit          = file("${path.module}/files/observable-todo.service")
    deploy_env = join("\n", [
      "AWS_REGION=${var.region}",
      "PARAM_PREFIX=${local.parameter_prefix}",
      "BUNDLE_BUCKET=${aws_s3_bucket.bundle.id}",
      "HOST_ROLE=${each.value.role}",
      "DATA_VOLUME_ID=${aws_ebs_volume.data[each.key].id}",
      "DATA_DEVICE_NAME=${local.data_device_name}",
    ])
  })
  user_data_replace_on_change = true

  tags = { Name = "${var.name}-${each.key}" }

  # What the first boot reads must exist before the instance boots (order
  # only: a new bundle does not replace the instance).
  depends_on = [
    aws_iam_role_policy.host,
    aws_s3_object.bundle,
    aws_ssm_parameter.bundle_key,
    aws_ssm_parameter.secrets_manifest,
    aws_ssm_parameter.compose_env,
    aws_ssm_parameter.secret,
  ]

  lifecycle {
    # The parameter follows Canonical's newest image: without this every new
    # AMI would replace the host. Upgrade on your terms with
    # `terraform apply -replace='aws_instance.host["app"]'` (the data volume stays).
    ignore_changes = [ami]
  }
}

resource "aws_volume_attachment" "data" {
  for_each = local.hosts

  device_name = local.data_device_name
  volume_id   = aws_ebs_volume.data[each.key].id
  instance_id = aws_instance.host[each.key].id
  # Stop the instance before detaching, so the filesystem is not cut off mid-write.
  stop_instance_before_detaching = true
}
