# tflint for deploy/terraform (run by .github/workflows/terraform.yml after
# `tflint --init`, which downloads the plugins below).
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

# AWS-specific checks: invalid instance types, AMI ids, IAM policy documents.
plugin "aws" {
  enabled = true
  version = "0.44.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
