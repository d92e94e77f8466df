# Flow logs whose targets are known only at apply time. The one on var.vpc_id
# logs a VPC from outside (an input cannot be a VPC declared here), so it puts
# no VPC of this file in doubt: aws_vpc.alone still fails. The one on
# aws_vpc.pair[var.which] may log either VPC of the pair: those two are SKIPPED.
variable "vpc_id" {
  type = string
}

variable "which" {
  type = number
}

resource "aws_vpc" "alone" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "pair" {
  count      = 2
  cidr_block = "10.${count.index + 1}.0.0/16"
}

resource "aws_flow_log" "outside" {
  vpc_id               = var.vpc_id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}

resource "aws_flow_log" "one_of_the_pair" {
  vpc_id               = aws_vpc.pair[var.which].id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
}
