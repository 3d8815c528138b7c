# terraform test: the single-host layout planned and applied against mock
# providers (no AWS account, no credentials). Needs the providers from the
# registry (terraform init -backend=false), so it runs in
# .github/workflows/terraform.yml; tests/terraform-cli.test.ts reports it
# skipped where the registry is out of reach.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b"] }
  }
  mock_data "aws_subnet" {
    defaults = { availability_zone = "us-east-1a" }
  }
  mock_data "aws_ssm_parameter" {
    defaults = { insecure_value = "ami-0123456789abcdef0" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  # The mock's random strings are no JSON; the real documents are checked by
  # tests/policy.test.ts.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

mock_provider "archive" {}

variables {
  admin_cidr_blocks = []
}

run "ssh_off_and_only_http_public" {
  command = apply

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.app_ssh) == 0 && length(aws_vpc_security_group_ingress_rule.app_ssh_ipv6) == 0
    error_message = "With admin_cidr_blocks = [] there must be no SSH rule."
  }
  assert {
    condition     = length(aws_key_pair.admin) == 0
    error_message = "No key pair when SSH is off."
  }
  assert {
    condition     = join(",", [for r in aws_vpc_security_group_ingress_rule.app_public_ipv4 : tostring(r.from_port)]) == "80"
    error_message = "Only port 80 is public by default."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.app_from_monitoring) == 0 && length(aws_security_group.monitoring) == 0
    error_message = "The single host has no rules for a monitoring host."
  }
  assert {
    condition     = output.ssh_tunnel_commands == null
    error_message = "No SSH tunnel commands when SSH is off."
  }
  assert {
    condition     = strcontains(output.ssm_tunnel_commands["grafana"], "--document-name AWS-StartPortForwardingSession") && strcontains(output.ssm_tunnel_commands["grafana"], "portNumber=3000,localPortNumber=3000")
    error_message = "The SSM tunnel command for Grafana forwards 3000."
  }
}

run "instance_hardened" {
  command = apply

  assert {
    condition     = length(aws_instance.host) == 1 && aws_instance.host["app"].metadata_options[0].http_tokens == "required" && aws_instance.host["app"].metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 with hop limit 1."
  }
  assert {
    condition     = aws_instance.host["app"].root_block_device[0].encrypted && aws_instance.host["app"].root_block_device[0].volume_type == "gp3"
    error_message = "Encrypted gp3 root volume."
  }
  assert {
    condition     = aws_ebs_volume.data["app"].encrypted && aws_ebs_volume.data["app"].type == "gp3"
    error_message = "Encrypted gp3 data volume."
  }
  assert {
    condition     = aws_instance.host["app"].ami == "ami-0123456789abcdef0"
    error_message = "The AMI comes from the SSM parameter."
  }
}

run "bucket_private_and_encrypted" {
  command = apply

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.bundle.block_public_acls,
      aws_s3_bucket_public_access_block.bundle.block_public_policy,
      aws_s3_bucket_public_access_block.bundle.ignore_public_acls,
      aws_s3_bucket_public_access_block.bundle.restrict_public_buckets,
    ])
    error_message = "The bundle bucket blocks all public access."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.bundle.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "The bundle bucket encrypts objects."
  }
  assert {
    condition     = aws_s3_bucket_versioning.bundle.versioning_configuration[0].status == "Enabled"
    error_message = "The bundle bucket is versioned."
  }
  assert {
    condition     = aws_s3_object.bundle.key == "bundles/${output.bundle_hash}.zip" && aws_ssm_parameter.bundle_key.value == aws_s3_object.bundle.key
    error_message = "The bundle is stored under its content hash, and the hosts are told that key."
  }
}

run "ssh_on_from_one_address" {
  command = apply

  variables {
    admin_cidr_blocks = ["203.0.113.7/32"]
    ssh_public_key    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly you@laptop"
  }

  assert {
    condition     = join(",", [for r in aws_vpc_security_group_ingress_rule.app_ssh : r.cidr_ipv4]) == "203.0.113.7/32"
    error_message = "SSH only from the admin address."
  }
  assert {
    condition     = output.ssh_tunnel_commands != null && startswith(output.ssh_tunnel_commands["prometheus"], "ssh -N -L 9090:localhost:9090 ubuntu@")
    error_message = "SSH tunnel commands when SSH is on."
  }
}

run "refuses_ssh_from_anywhere" {
  command = plan

  variables {
    admin_cidr_blocks = ["0.0.0.0/0"]
    ssh_public_key    = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly you@laptop"
  }

  expect_failures = [var.admin_cidr_blocks]
}
