variable "region" {
  description = "AWS region for every resource (the cost figure in the README is for us-east-1)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "name" {
  description = "Name prefix for resources, the SSM parameter path (/<name>/...) and the Project tag."
  type        = string
  default     = "observable-todo"

  validation {
    # Also an S3 bucket prefix and an IAM name: lower case, short.
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters of a-z, 0-9 and '-', starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (added to the provider's default tags)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "An existing VPC to use (with subnet_id). Null: a new VPC with one public subnet is created."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must look like vpc-0123abcd, or be null."
  }
}

variable "subnet_id" {
  description = "A public subnet of vpc_id (a route to an internet gateway, public IPs mapped or assigned). Required with vpc_id."
  type        = string
  default     = null

  validation {
    condition     = (var.subnet_id == null) == (var.vpc_id == null) && (var.subnet_id == null || can(regex("^subnet-[0-9a-f]+$", var.subnet_id)))
    error_message = "Set vpc_id and subnet_id together (subnet-0123abcd), or neither."
  }
}

variable "vpc_cidr" {
  description = "CIDR of the VPC created when vpc_id is null."
  type        = string
  default     = "10.42.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "public_subnet_cidr" {
  description = "CIDR of the public subnet created when vpc_id is null; inside vpc_cidr."
  type        = string
  default     = "10.42.1.0/24"

  validation {
    condition     = can(cidrhost(var.public_subnet_cidr, 0))
    error_message = "public_subnet_cidr must be an IPv4 CIDR block."
  }
}

variable "admin_cidr_blocks" {
  description = "Source CIDRs allowed to reach SSH (22). Empty: SSH is closed and no key pair is created; use SSM Session Manager."
  type        = list(string)
  # No default on purpose: the operator decides, and [] is a valid answer.

  validation {
    condition     = alltrue([for c in var.admin_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "admin_cidr_blocks must be CIDR blocks, e.g. 203.0.113.7/32."
  }

  validation {
    # 0.0.0.0/0, ::/0 and any other /0 would open SSH to the internet.
    condition     = alltrue([for c in var.admin_cidr_blocks : !endswith(c, "/0")])
    error_message = "admin_cidr_blocks must never contain 0.0.0.0/0 or ::/0; name your own address, or use [] and SSM Session Manager."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key for the ubuntu user; required when admin_cidr_blocks is not empty, ignored otherwise."
  type        = string
  default     = null

  validation {
    condition     = length(var.admin_cidr_blocks) == 0 || can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp[0-9]+) [A-Za-z0-9+/=]+", coalesce(var.ssh_public_key, "-")))
    error_message = "SSH is on (admin_cidr_blocks is not empty): ssh_public_key must be an OpenSSH public key (ssh-ed25519 AAAA...)."
  }
}

variable "https_enabled" {
  description = "Open 443 from anywhere too, for a TLS terminator you put in front of the frontend (the stack itself serves HTTP on 80)."
  type        = bool
  default     = false
}

variable "ami_ssm_parameter" {
  description = "Public SSM parameter holding the AMI id (a current LTS distribution with apt and systemd)."
  type        = string
  default     = "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"

  validation {
    condition     = startswith(var.ami_ssm_parameter, "/aws/service/")
    error_message = "ami_ssm_parameter must be a public parameter under /aws/service/."
  }
}

variable "instance_type" {
  description = "Instance type of the (app) host. The default fits the whole stack with Elasticsearch; see the README for the memory sum."
  type        = string
  default     = "t3.large"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be an EC2 instance type such as t3.large."
  }
}

variable "monitoring_host" {
  description = "Put Prometheus, Alertmanager, Grafana and the logging stack (less Fluent Bit) on a second instance in the same subnet."
  type        = bool
  default     = false

  # Fluent Bit on the app host and Elasticsearch's setup job on the monitoring
  # host must hold the same writer password: both hosts read it from one SSM
  # SecureString (compose/es-writer-password.yaml, README "Two hosts").
  validation {
    condition     = !var.monitoring_host || contains([for s in values(var.ssm_secrets) : s.env_var], "ES_WRITER_PASSWORD_FILE")
    error_message = "monitoring_host = true needs an ssm_secrets entry with env_var = \"ES_WRITER_PASSWORD_FILE\" (the Elasticsearch writer password both hosts share); see deploy/terraform/README.md, Two hosts."
  }
}

variable "monitoring_instance_type" {
  description = "Instance type of the monitoring host (monitoring_host = true)."
  type        = string
  default     = "t3.large"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.monitoring_instance_type))
    error_message = "monitoring_instance_type must be an EC2 instance type such as t3.large."
  }
}

variable "root_volume_size_gb" {
  description = "Size of the encrypted gp3 root volume (OS, packages, the unpacked bundle)."
  type        = number
  default     = 20

  validation {
    condition     = var.root_volume_size_gb >= 10 && var.root_volume_size_gb <= 1024
    error_message = "root_volume_size_gb must be between 10 and 1024."
  }
}

variable "data_volume_size_gb" {
  description = "Size of the separate encrypted gp3 data volume mounted at /var/lib/docker (PostgreSQL, Prometheus, Elasticsearch volumes, images)."
  type        = number
  default     = 40

  validation {
    condition     = var.data_volume_size_gb >= 10 && var.data_volume_size_gb <= 16384
    error_message = "data_volume_size_gb must be between 10 and 16384."
  }
}

variable "detailed_monitoring" {
  description = "EC2 detailed (1-minute) CloudWatch monitoring; costs extra."
  type        = bool
  default     = false
}

variable "termination_protection" {
  description = "Refuse TerminateInstances (and so `terraform destroy`) until switched off again."
  type        = bool
  default     = false
}

variable "ssm_secrets" {
  description = <<-EOT
    Secrets the hosts fetch from SSM Parameter Store, keyed by parameter name relative to /<name>/secrets/.
    file: the file written (mode 0600) under deploy/compose/secrets/; env_var: the .env variable set to ./secrets/<file>;
    owner_uid: the file's owner (0, root, unless the container reads it as another user: compose mounts the file as it is).
  EOT
  type = map(object({
    file      = string
    env_var   = string
    owner_uid = optional(number, 0)
  }))
  default = {}

  validation {
    condition     = alltrue([for k, s in var.ssm_secrets : can(regex("^[a-zA-Z0-9_.-]+(/[a-zA-Z0-9_.-]+)*$", k))])
    error_message = "ssm_secrets keys are parameter names below /<name>/secrets/, e.g. slack-pager-webhook-url."
  }

  validation {
    condition     = alltrue([for s in values(var.ssm_secrets) : can(regex("^[a-z0-9][a-z0-9_.-]*$", s.file))])
    error_message = "ssm_secrets file must be a plain file name (a-z, 0-9, '_', '.', '-'), no path."
  }

  validation {
    condition     = alltrue([for s in values(var.ssm_secrets) : can(regex("^[A-Z][A-Z0-9_]*_FILE$", s.env_var))])
    error_message = "ssm_secrets env_var must be the compose variable naming the file, e.g. SLACK_PAGER_WEBHOOK_URL_FILE."
  }

  validation {
    condition     = length(distinct([for s in values(var.ssm_secrets) : s.file])) == length(var.ssm_secrets) && length(distinct([for s in values(var.ssm_secrets) : s.env_var])) == length(var.ssm_secrets)
    error_message = "ssm_secrets: each file and each env_var may appear once."
  }

  validation {
    condition     = alltrue([for s in values(var.ssm_secrets) : s.owner_uid >= 0 && floor(s.owner_uid) == s.owner_uid])
    error_message = "ssm_secrets owner_uid must be a non-negative integer."
  }
}

variable "ssm_secret_values" {
  description = "Optional: values for some ssm_secrets keys, created by Terraform as SecureStrings through a write-only argument (not kept in the state, but they pass through Terraform and your tfvars). The default (empty) references parameters you create yourself."
  type        = map(string)
  default     = {}
  sensitive   = true

  validation {
    condition     = alltrue([for k in keys(var.ssm_secret_values) : contains(keys(var.ssm_secrets), k)])
    error_message = "Every ssm_secret_values key must also be an ssm_secrets key (which says where the file goes)."
  }
}

variable "ssm_secret_values_version" {
  description = "Raise by one to write changed ssm_secret_values (write-only arguments are not compared with AWS)."
  type        = number
  default     = 1

  validation {
    condition     = var.ssm_secret_values_version >= 1 && floor(var.ssm_secret_values_version) == var.ssm_secret_values_version
    error_message = "ssm_secret_values_version must be a positive integer."
  }
}

variable "ssm_kms_key_arn" {
  description = "Customer-managed KMS key of the SecureStrings; null means the AWS-managed alias/aws/ssm key."
  type        = string
  default     = null

  validation {
    condition     = var.ssm_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.ssm_kms_key_arn))
    error_message = "ssm_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or null."
  }
}

variable "compose_env" {
  description = "Extra non-secret .env lines for compose (e.g. API_LOG_LEVEL = \"debug\"); secrets belong in ssm_secrets."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.compose_env : can(regex("^[A-Z][A-Z0-9_]*$", k)) && !can(regex("[\n\r]", v))])
    error_message = "compose_env keys must be upper-case variable names and values single lines."
  }

  validation {
    # Would expose a port on the host's public address, or name secrets outside SSM.
    condition     = alltrue([for k in keys(var.compose_env) : !endswith(k, "_FILE") && !endswith(k, "_PORT") && !can(regex("PASSWORD|SECRET|TOKEN|WEBHOOK", k))])
    error_message = "compose_env must not set *_PORT, *_FILE or secret-looking variables: ports are fixed by the layout, secrets go through ssm_secrets."
  }
}
