resource "aws_vpc" "this" {
  for_each   = toset(["blue", "green"])
  cidr_block = "10.0.0.0/16"
  tags       = { Name = each.key }
}

resource "aws_flow_log" "this" {
  for_each        = aws_vpc.this
  vpc_id          = each.value.id
  traffic_type    = "REJECT"
  log_destination = aws_cloudwatch_log_group.fl.arn
  iam_role_arn    = aws_iam_role.fl.arn
}

resource "aws_iam_role" "fl" {
  name = "flow-logs"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_cloudwatch_log_group" "fl" {
  name              = "/vpc/flow-logs"
  retention_in_days = 365
}

