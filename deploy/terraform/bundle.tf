# The deployment bundle: the repository's compose, configuration and build
# context files (modules/bundle-files), zipped and stored in a private bucket
# under their content hash. A new hash is a new object key and a new value of
# the bundle parameter, which the State Manager association (deploy.tf) picks up.

module "bundle_files" {
  source    = "./modules/bundle-files"
  repo_root = abspath("${path.module}/../..")
}

locals {
  repo_root  = abspath("${path.module}/../..")
  bundle_key = "bundles/${module.bundle_files.hash}.zip"
}

data "archive_file" "bundle" {
  type        = "zip"
  output_path = "${path.module}/.terraform/bundle-${module.bundle_files.hash}.zip"

  # Text files only (file() refuses anything that is not UTF-8, loudly).
  dynamic "source" {
    for_each = toset(module.bundle_files.files)
    content {
      filename = source.value
      content  = file("${local.repo_root}/${source.value}")
    }
  }
}

resource "aws_s3_bucket" "bundle" {
  bucket_prefix = "${var.name}-bundle-"
  # Only deployment bundles, rebuilt from git at any time.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "bundle" {
  bucket = aws_s3_bucket.bundle.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "bundle" {
  bucket = aws_s3_bucket.bundle.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "bundle" {
  bucket = aws_s3_bucket.bundle.id
  rule {
    apply_server_side_encryption_by_default {
      # SSE-S3: the instance role needs no KMS permission to read it.
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "bundle" {
  bucket = aws_s3_bucket.bundle.id
  versioning_configuration {
    status = "Enabled"
  }
}

# Old bundles are only for rolling back by hand: keep them a month.
resource "aws_s3_bucket_lifecycle_configuration" "bundle" {
  bucket = aws_s3_bucket.bundle.id
  rule {
    id     = "expire-old-bundles"
    status = "Enabled"
    filter {
      prefix = "bundles/"
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
  }
}

data "aws_iam_policy_document" "bundle_tls_only" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.bundle.arn, "${aws_s3_bucket.bundle.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "bundle" {
  bucket = aws_s3_bucket.bundle.id
  policy = data.aws_iam_policy_document.bundle_tls_only.json

  depends_on = [aws_s3_bucket_public_access_block.bundle]
}

resource "aws_s3_object" "bundle" {
  bucket = aws_s3_bucket.bundle.id
  key    = local.bundle_key
  source = data.archive_file.bundle.output_path
  # The key already carries the content hash; this re-uploads a damaged object.
  source_hash = data.archive_file.bundle.output_base64sha256

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.bundle]
}
