module "network" {
  source = "git::https://example.com/platform/network.git?ref=v3"
  cidr   = "10.0.0.0/16"
}
