# terraform test: the two-host layout (monitoring_host = true) against mock
# providers. See single_host.tftest.hcl for where it runs.

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
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

mock_provider "archive" {}

variables {
  admin_cidr_blocks = []
  monitoring_host   = true
  ssm_secrets = {
    "es-writer-password" = { file = "es_writer_password", env_var = "ES_WRITER_PASSWORD_FILE" }
  }
}

run "two_hosts_with_exactly_the_documented_ports_between_them" {
  command = apply

  assert {
    condition     = join(",", keys(aws_instance.host)) == "app,monitoring" && join(",", keys(aws_ebs_volume.data)) == "app,monitoring"
    error_message = "Two hosts, each with its own data volume."
  }
  assert {
    condition     = join(",", sort([for r in aws_vpc_security_group_ingress_rule.app_from_monitoring : tostring(r.from_port)])) == "2020,8000,9100,9113,9187"
    error_message = "The app host admits exactly the scraped ports from the monitoring host."
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.app_from_monitoring : r.referenced_security_group_id == aws_security_group.monitoring[0].id && r.cidr_ipv4 == null])
    error_message = "Scrape ports are open to the monitoring host's group only."
  }
  assert {
    condition     = join(",", [for r in aws_vpc_security_group_ingress_rule.monitoring_from_app : tostring(r.from_port)]) == "9200" && alltrue([for r in aws_vpc_security_group_ingress_rule.monitoring_from_app : r.referenced_security_group_id == aws_security_group.app.id])
    error_message = "The monitoring host admits only log shipping (9200) from the app host's group."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.monitoring_ssh) == 0
    error_message = "No SSH to the monitoring host when SSH is off."
  }
  assert {
    condition     = alltrue([for i in aws_instance.host : i.metadata_options[0].http_tokens == "required" && i.metadata_options[0].http_put_response_hop_limit == 1 && i.root_block_device[0].encrypted])
    error_message = "Both hosts: IMDSv2 with hop limit 1 and an encrypted root volume."
  }
  assert {
    condition     = strcontains(output.ssm_tunnel_commands["prometheus"], "--target ${aws_instance.host["monitoring"].id}") && strcontains(output.ssm_tunnel_commands["api"], "--target ${aws_instance.host["app"].id}")
    error_message = "Operator UIs tunnel to the monitoring host, the API to the app host."
  }
  assert {
    condition     = join(",", keys(aws_ssm_association.deploy)) == "app,monitoring"
    error_message = "Each host is redeployed by its own association."
  }
}
