# Flow-log formats as Terraform users write them: `$${...}` is how a literal
# ${field} is written in HCL (a single `${` would interpolate).
variable "flow_log_format" {
  type = string
}

resource "aws_vpc" "main" {
  cidr_block = "10.30.0.0/16"
}

resource "aws_flow_log" "default_format" {
  vpc_id          = aws_vpc.main.id
  traffic_type    = "ALL"
  log_destination = "arn:aws:s3:::acme-flow-logs"
  log_destination_type = "s3"
}

resource "aws_flow_log" "slim" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "REJECT"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
  log_destination_type = "s3"
  log_format           = "$${version} $${srcaddr} $${dstaddr} $${action}"
}

resource "aws_flow_log" "rich" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
  log_destination_type = "s3"
  log_format = join(" ", [
    "$${version}", "$${account-id}", "$${interface-id}", "$${srcaddr}", "$${dstaddr}",
    "$${srcport}", "$${dstport}", "$${protocol}", "$${packets}", "$${bytes}", "$${start}",
    "$${end}", "$${action}", "$${log-status}", "$${pkt-srcaddr}", "$${flow-direction}",
  ])
}

resource "aws_flow_log" "from_variable" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination      = "arn:aws:s3:::acme-flow-logs"
  log_destination_type = "s3"
  log_format           = var.flow_log_format
}
