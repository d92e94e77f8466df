locals {
  network   = aws_vpc.main
  retention = 731
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_flow_log" "main" {
  vpc_id          = local.network.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.fl.arn
  iam_role_arn    = aws_iam_role.fl.arn
}

resource "aws_cloudwatch_log_group" "fl" {
  name              = "/vpc/flow-logs"
  retention_in_days = local.retention
}

resource "aws_iam_role" "fl" {
  name               = "flow-logs"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["vpc-flow-logs.amazonaws.com"]
    }
  }
}
