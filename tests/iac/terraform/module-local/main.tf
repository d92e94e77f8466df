module "net" {
  source           = "./modules/net"
  enable_flow_logs = true
}
