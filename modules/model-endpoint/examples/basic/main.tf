provider "aws" {
  region = "us-east-1"
}

module "lake" {
  source = "../../../data-lake"
  name   = "serving-artifacts"
  zones  = ["models"]
}

module "endpoint" {
  source = "../.."

  name                  = "llm-chat"
  image                 = "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.3-tgi2.2-gpu-py310-cu121-ubuntu22.04"
  model_data_url        = "s3://${module.lake.bucket_names["models"]}/llm/model.tar.gz"
  instance_type         = "ml.g5.2xlarge"
  policy_arns           = { lake = module.lake.read_policy_arn }
}
