# An ML platform on AWS, built from the module library: an EKS cluster
# with a GPU node group for training and serving on Kubernetes, an EMR
# cluster for Spark feature pipelines, a SageMaker endpoint serving a
# model, and an AWS Batch queue of GPU instances for batch inference, in
# one VPC.
#
#   strata init && strata plan && strata apply

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      platform   = var.name
      managed_by = "strata"
    }
  }
}

module "network" {
  source     = "../../modules/network"
  name       = var.name
  cidr_block = var.vpc_cidr
  zones      = 2
}

module "kubernetes" {
  source             = "../../modules/eks-gpu"
  name               = var.name
  kubernetes_version = var.kubernetes_version
  subnet_ids         = module.network.private_subnet_ids
  gpu_instance_types = [var.gpu_node_type]
  gpu_nodes          = var.gpu_nodes
  max_gpu_nodes      = var.gpu_nodes * 2
}

module "spark" {
  source         = "../../modules/spark-emr"
  name           = var.name
  subnet_id      = module.network.private_subnet_ids[0]
  core_instances = var.spark_workers
}

module "serving" {
  source         = "../../modules/model-endpoint"
  name           = "${var.name}-llm"
  image          = var.serving_image
  model_data_url = var.model_data_url
  instance_type  = var.endpoint_instance_type
  instance_count = var.endpoint_instances
  environment = {
    MAX_BATCH_SIZE = "8"
  }
}

module "batch" {
  source             = "../../modules/batch-gpu"
  name               = var.name
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.cluster_security_group_id]
  instance_types     = [var.gpu_node_type]
  max_vcpus          = var.batch_max_vcpus
  spot               = false
}
