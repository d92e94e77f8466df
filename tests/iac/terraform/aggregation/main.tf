# Aggregation intervals on production and other VPCs, tagged as Terraform users tag them.
variable "environment" {
  type = string
}

locals {
  common_tags = { team = "payments", env = "production" }
}

resource "aws_vpc" "payments" {
  cidr_block = "10.50.0.0/16"
  tags       = merge(local.common_tags, { Name = "payments" })
}

resource "aws_vpc" "sandbox" {
  cidr_block = "10.51.0.0/16"
  tags       = { Name = "sandbox", env = "dev" }
}

resource "aws_vpc" "unknown_env" {
  cidr_block = "10.52.0.0/16"
  tags       = { Name = "unknown", env = var.environment }
}

resource "aws_flow_log" "payments_fast" {
  vpc_id                   = aws_vpc.payments.id
  traffic_type             = "ALL"
  log_destination_type     = "s3"
  log_destination          = "arn:aws:s3:::acme-flow-logs"
  max_aggregation_interval = 60
}

resource "aws_flow_log" "payments_default" {
  vpc_id               = aws_vpc.payments.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_flow_log" "sandbox" {
  vpc_id               = aws_vpc.sandbox.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_flow_log" "unknown_env" {
  vpc_id               = aws_vpc.unknown_env.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}
