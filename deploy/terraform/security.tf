# Inbound: the app's HTTP (80, and 443 when https_enabled) from anywhere; SSH
# only from admin_cidr_blocks and only when that list is not empty. Every
# operator UI (8000 API, 9090 Prometheus, 9093 Alertmanager, 3000 Grafana,
# 5601 Kibana, 9200 Elasticsearch) is bound to 127.0.0.1 by the compose files
# and reached through a tunnel (SSH or SSM port forwarding), never through a
# rule here. Between the two hosts of the scale-out layout exactly the ports in
# local.monitoring_scrape_ports and local.log_shipping_ports are open, from the
# other host's group only.

locals {
  # What Prometheus and the log probes on the monitoring host reach on the app
  # host (the same targets as monitoring/prometheus/prometheus.yml, by the same
  # names, through compose/monitoring-host.yaml's relay). The blackbox probes
  # of the frontend use the public 80, already open to everyone.
  monitoring_scrape_ports = {
    api               = 8000
    node-exporter     = 9100
    postgres-exporter = 9187
    nginx-exporter    = 9113
    fluent-bit        = 2020
  }
  # Where Fluent Bit on the app host ships logs: Elasticsearch on the monitoring host.
  log_shipping_ports = {
    elasticsearch = 9200
  }
  public_ports = var.https_enabled ? { http = 80, https = 443 } : { http = 80 }
}

resource "aws_security_group" "app" {
  name        = "${var.name}-app"
  description = "Observable Todo app host: HTTP from anywhere, SSH from the admin CIDRs only"
  vpc_id      = local.vpc_id

  tags = { Name = "${var.name}-app" }
}

resource "aws_vpc_security_group_ingress_rule" "app_public_ipv4" {
  for_each = local.public_ports

  security_group_id = aws_security_group.app.id
  description       = "${upper(each.key)} from anywhere (IPv4)"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "app_ssh" {
  for_each = toset([for c in var.admin_cidr_blocks : c if !strcontains(c, ":")])

  security_group_id = aws_security_group.app.id
  description       = "SSH from an admin network"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "app_ssh_ipv6" {
  for_each = toset([for c in var.admin_cidr_blocks : c if strcontains(c, ":")])

  security_group_id = aws_security_group.app.id
  description       = "SSH from an admin network (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv6         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "app_from_monitoring" {
  for_each = var.monitoring_host ? local.monitoring_scrape_ports : {}

  security_group_id            = aws_security_group.app.id
  description                  = "The monitoring host scrapes ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.monitoring[0].id
}

# Outbound is open: apt, Docker image pulls, the npm registry during image
# builds, Slack, and the SSM/S3 endpoints all live on the internet.
resource "aws_vpc_security_group_egress_rule" "app_all_ipv4" {
  security_group_id = aws_security_group.app.id
  description       = "All outbound (packages, images, Slack, AWS APIs)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_security_group" "monitoring" {
  count = var.monitoring_host ? 1 : 0

  name        = "${var.name}-monitoring"
  description = "Observable Todo monitoring host: SSH from the admin CIDRs, log shipping from the app host"
  vpc_id      = local.vpc_id

  tags = { Name = "${var.name}-monitoring" }
}

resource "aws_vpc_security_group_ingress_rule" "monitoring_ssh" {
  for_each = var.monitoring_host ? toset([for c in var.admin_cidr_blocks : c if !strcontains(c, ":")]) : toset([])

  security_group_id = aws_security_group.monitoring[0].id
  description       = "SSH from an admin network"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "monitoring_ssh_ipv6" {
  for_each = var.monitoring_host ? toset([for c in var.admin_cidr_blocks : c if strcontains(c, ":")]) : toset([])

  security_group_id = aws_security_group.monitoring[0].id
  description       = "SSH from an admin network (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv6         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "monitoring_from_app" {
  for_each = var.monitoring_host ? local.log_shipping_ports : {}

  security_group_id            = aws_security_group.monitoring[0].id
  description                  = "Fluent Bit on the app host ships to ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = each.value
  to_port                      = each.value
  referenced_security_group_id = aws_security_group.app.id
}

resource "aws_vpc_security_group_egress_rule" "monitoring_all_ipv4" {
  count = var.monitoring_host ? 1 : 0

  security_group_id = aws_security_group.monitoring[0].id
  description       = "All outbound (packages, images, Slack, AWS APIs)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
