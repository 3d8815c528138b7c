# The hosts' identity: the SSM agent's channel (Session Manager, Run Command,
# State Manager), read of this stack's parameters by path and of the
# deployment bundles. Nothing else: no AmazonSSMManagedInstanceCore, whose
# ssm:GetParameter(s) on "*" would let the host read every parameter in the
# account.

locals {
  parameter_prefix = "/${var.name}"
  parameter_arn    = "arn:${data.aws_partition.current.partition}:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter${local.parameter_prefix}/*"
}

data "aws_iam_policy_document" "assume_ec2" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "host" {
  # The SSM agent's own calls, as in AmazonSSMManagedInstanceCore minus the
  # parameter reads, patching, inventory and distributor actions. These
  # actions accept no resource ARN (AWS's service authorization reference
  # lists none), so "*" is the only possible resource.
  statement {
    sid = "SsmAgentChannel"
    actions = [
      "ec2messages:AcknowledgeMessage",
      "ec2messages:DeleteMessage",
      "ec2messages:FailMessage",
      "ec2messages:GetEndpoint",
      "ec2messages:GetMessages",
      "ec2messages:SendReply",
      "ssm:DescribeAssociation",
      "ssm:DescribeDocument",
      "ssm:GetDocument",
      "ssm:ListAssociations",
      "ssm:ListInstanceAssociations",
      "ssm:PutComplianceItems",
      "ssm:UpdateAssociationStatus",
      "ssm:UpdateInstanceAssociationStatus",
      "ssm:UpdateInstanceInformation",
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "ReadThisStacksParameters"
    actions   = ["ssm:GetParameter"]
    resources = [local.parameter_arn]
  }

  statement {
    sid       = "ReadDeploymentBundles"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bundle.arn}/bundles/*"]
  }

  # Only with a customer-managed key; the AWS-managed aws/ssm key lets SSM
  # decrypt for any principal of the account that may read the parameter.
  dynamic "statement" {
    for_each = var.ssm_kms_key_arn == null ? [] : [var.ssm_kms_key_arn]
    content {
      sid       = "DecryptThisStacksSecrets"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${var.region}.amazonaws.com"]
      }
    }
  }
}

resource "aws_iam_role" "host" {
  name_prefix        = "${var.name}-host-"
  assume_role_policy = data.aws_iam_policy_document.assume_ec2.json
}

resource "aws_iam_role_policy" "host" {
  name   = "least-privilege"
  role   = aws_iam_role.host.id
  policy = data.aws_iam_policy_document.host.json
}

resource "aws_iam_instance_profile" "host" {
  name_prefix = "${var.name}-host-"
  role        = aws_iam_role.host.name
}
