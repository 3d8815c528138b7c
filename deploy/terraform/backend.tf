# State is local by default (terraform.tfstate, gitignored). For a team, keep it
# in S3: create the bucket once (versioning on, public access blocked), then
# uncomment, fill in and run `terraform init -migrate-state`.
#
# `use_lockfile = true` locks the state with a lock object next to it in the
# same bucket (S3 conditional writes, Terraform 1.10+): no DynamoDB table.
# The state holds no secret as long as the SSM parameters are referenced by
# name (the default, see variables.tf `ssm_secrets`), but it names every
# resource: keep the bucket private and encrypted anyway.
#
# terraform {
#   backend "s3" {
#     bucket       = "my-terraform-state-bucket"
#     key          = "observable-todo/terraform.tfstate"
#     region       = "eu-central-1"
#     encrypt      = true
#     use_lockfile = true
#   }
# }
