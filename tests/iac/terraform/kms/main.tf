# Flow-log groups with and without a KMS key, as Terraform users write them.
variable "key_arn" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.40.0.0/16"
}

resource "aws_kms_key" "logs" {
  description = "flow logs"
}

resource "aws_cloudwatch_log_group" "with_key" {
  name              = "/aws/vpc-flow-logs/with-key"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_cloudwatch_log_group" "without_key" {
  name              = "/aws/vpc-flow-logs/without-key"
  retention_in_days = 365
}

resource "aws_cloudwatch_log_group" "key_from_variable" {
  name              = "/aws/vpc-flow-logs/key-from-variable"
  retention_in_days = 365
  kms_key_id        = var.key_arn
}

resource "aws_flow_log" "encrypted" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.with_key.arn
  iam_role_arn    = "arn:aws:iam::111122223333:role/flow-logs"
}

resource "aws_flow_log" "plain" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.without_key.arn
  iam_role_arn    = "arn:aws:iam::111122223333:role/flow-logs"
}

resource "aws_flow_log" "unknown_key" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.key_from_variable.arn
  iam_role_arn    = "arn:aws:iam::111122223333:role/flow-logs"
}
