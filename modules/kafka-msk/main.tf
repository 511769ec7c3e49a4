# Kafka on MSK for feature and event streams: brokers spread evenly over
# the client subnets, with their instance type and storage.

resource "aws_msk_cluster" "this" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.brokers
  tags                   = var.tags

  broker_node_group_info {
    instance_type   = var.broker_instance_type
    client_subnets  = var.subnet_ids
    security_groups = var.security_group_ids

    storage_info {
      ebs_storage_info {
        volume_size = var.volume_size
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.brokers % length(var.subnet_ids) == 0
      error_message = "The brokers (${var.brokers}) must be a multiple of the number of subnets (${length(var.subnet_ids)})."
    }
  }
}
