# A model endpoint on SageMaker: the model (serving image and artifacts),
# an endpoint configuration with one production variant, the endpoint,
# and the execution role the model runs as.

resource "aws_iam_role" "execution" {
  name = "${var.name}-sagemaker"
  tags = var.tags
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "sagemaker.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "extra" {
  for_each   = var.policy_arns
  role       = aws_iam_role.execution.name
  policy_arn = each.value
}

resource "aws_sagemaker_model" "this" {
  name               = var.name
  execution_role_arn = aws_iam_role.execution.arn
  tags               = var.tags

  primary_container {
    image          = var.image
    model_data_url = var.model_data_url
    environment    = var.environment
  }
}

resource "aws_sagemaker_endpoint_configuration" "this" {
  name = var.name
  tags = var.tags

  production_variants {
    variant_name           = "primary"
    model_name             = aws_sagemaker_model.this.name
    initial_instance_count = var.instance_count
    instance_type          = var.instance_type
  }
}

resource "aws_sagemaker_endpoint" "this" {
  name                 = var.name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.this.name
  tags                 = var.tags
}
