resource "aws_vpc" "main" {
  count      = 2
  cidr_block = "10.${count.index}.0.0/16"
}

# Only the first VPC gets a flow log.
resource "aws_flow_log" "main" {
  count           = 1
  vpc_id          = aws_vpc.main[count.index].id
  traffic_type    = "ALL"
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

