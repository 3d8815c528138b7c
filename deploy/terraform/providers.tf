provider "aws" {
  region = var.region

  # On every resource this configuration creates, so cost reports and
  # `aws resourcegroupstaggingapi` find the whole stack by `Project`.
  default_tags {
    tags = merge(var.tags, {
      Project   = var.name
      ManagedBy = "terraform"
    })
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
