# Flow logs that can log no VPC of this configuration: a misspelt reference,
# a subnet's id given as vpc_id, and no target at all. The VPC has no flow
# log of its own, so it fails; each flow log is reported at its own line.
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_flow_log" "typo" {
  vpc_id               = aws_vpc.mian.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_flow_log" "subnet_as_vpc" {
  vpc_id               = aws_subnet.a.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_flow_log" "nowhere" {
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}
