terraform {
  # 1.11: the binary this repository is checked with; `terraform test` with
  # mock providers (1.7+) and S3 native state locking (1.10+, see backend.tf).
  required_version = ">= 1.11.0, < 2.0.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    # Zips the deployment bundle on the operator's machine.
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }
}
