# Three delivery roles judged by the same IAM evaluator as roles read from AWS.

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "flow_logs_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = ["111122223333"]
    }
  }
}

resource "aws_iam_role" "scoped" {
  name               = "flow-logs-scoped"
  assume_role_policy = data.aws_iam_policy_document.flow_logs_trust.json
}

resource "aws_iam_role" "anyone" {
  name               = "flow-logs-anyone"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com", AWS = "*" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role" "wrong_action" {
  name               = "flow-logs-tag-only"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:TagSession"
    }]
  })
}

resource "aws_cloudwatch_log_group" "fl" {
  name              = "/vpc/flow-logs"
  retention_in_days = 365
}

resource "aws_vpc" "scoped" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_flow_log" "scoped" {
  vpc_id          = aws_vpc.scoped.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.fl.arn
  iam_role_arn    = aws_iam_role.scoped.arn
}

resource "aws_vpc" "anyone" {
  cidr_block = "10.2.0.0/16"
}

resource "aws_flow_log" "anyone" {
  vpc_id          = aws_vpc.anyone.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.fl.arn
  iam_role_arn    = aws_iam_role.anyone.arn
}

resource "aws_vpc" "wrong_action" {
  cidr_block = "10.3.0.0/16"
}

resource "aws_flow_log" "wrong_action" {
  vpc_id          = aws_vpc.wrong_action.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.fl.arn
  iam_role_arn    = aws_iam_role.wrong_action.arn
}
