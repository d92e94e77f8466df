# Values built with the functions real configurations use: all evaluated, so
# the verdicts are exact. The second VPC's flow log keeps its data for a number
# computed with a function flowaudit does not evaluate (cidrsubnet here), which
# is SKIPPED naming it.
variable "settings" {
  type = map(string)
  default = {
    retention = "400"
    traffic   = "all"
  }
}

locals {
  names     = ["core", "edge"]
  retention = max(tonumber(lookup(var.settings, "retention", "30")), coalesce(null, 365))
  traffic   = upper(lookup(var.settings, "traffic"))
  group     = format("/vpc/%s/%s", lower("FLOW"), join("-", compact(concat(local.names, [""]))))
  tags      = merge({ team = "net" }, { Name = element(local.names, 0) })
}

resource "aws_vpc" "core" {
  cidr_block = "10.0.0.0/16"
  tags       = local.tags
}

resource "aws_cloudwatch_log_group" "core" {
  name              = local.group
  retention_in_days = local.retention
}

resource "aws_flow_log" "core" {
  vpc_id          = aws_vpc.core.id
  traffic_type    = local.traffic
  log_destination = aws_cloudwatch_log_group.core.arn
  iam_role_arn    = "arn:aws:iam::123456789012:role/flow-logs"
}

resource "aws_vpc" "edge" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_cloudwatch_log_group" "edge" {
  name              = "/vpc/edge"
  retention_in_days = length(cidrsubnet("10.1.0.0/16", 8, 2))
}

resource "aws_flow_log" "edge" {
  vpc_id          = aws_vpc.edge.id
  traffic_type    = "ALL"
  log_destination = aws_cloudwatch_log_group.edge.arn
  iam_role_arn    = "arn:aws:iam::123456789012:role/flow-logs"
}
