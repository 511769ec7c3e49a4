variable "name" {
  description = "Name prefix for everything the module creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "The name must start with a lowercase letter and hold only lowercase letters, digits and dashes (2 to 31 characters)."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "release_label" {
  description = "The EMR release (its Spark and Hadoop versions)."
  type        = string
  default     = "emr-7.1.0"

  validation {
    condition     = can(regex("^emr-[0-9]+\\.[0-9]+\\.[0-9]+$", var.release_label))
    error_message = "The release_label looks like emr-7.1.0."
  }
}

variable "applications" {
  description = "The applications the cluster runs."
  type        = list(string)
  default     = ["Spark", "Hadoop"]
}

variable "subnet_id" {
  description = "The subnet the cluster's instances run in."
  type        = string
}

variable "master_instance_type" {
  description = "Instance type of the primary node."
  type        = string
  default     = "m5.xlarge"
}

variable "core_instance_type" {
  description = "Instance type of the core nodes (HDFS and executors)."
  type        = string
  default     = "r5.2xlarge"
}

variable "core_instances" {
  description = "How many core nodes to run."
  type        = number
  default     = 2

  validation {
    condition     = var.core_instances >= 1
    error_message = "A cluster needs at least one core node."
  }
}

variable "core_spot_price" {
  description = "Run the core nodes on spot capacity at up to this price (USD an hour); null for on demand."
  type        = number
  default     = null
}

variable "log_uri" {
  description = "An s3:// location for the cluster's logs; null for none."
  type        = string
  default     = null
}

variable "steps" {
  description = "Steps the cluster runs when it starts, in order: spark-submit through command-runner.jar by default, or a jar of your own with its main class."
  type = list(object({
    name              = string
    args              = list(string)
    jar               = optional(string, "command-runner.jar")
    main_class        = optional(string)
    action_on_failure = optional(string, "TERMINATE_CLUSTER")
  }))
  default = []

  validation {
    condition     = alltrue([for s in var.steps : contains(["TERMINATE_CLUSTER", "CANCEL_AND_WAIT", "CONTINUE"], s.action_on_failure)])
    error_message = "A step's action_on_failure is TERMINATE_CLUSTER, CANCEL_AND_WAIT or CONTINUE."
  }
}

variable "terminate_after_steps" {
  description = "Terminate the cluster when its last step finishes (a transient cluster for a batch job); false keeps it running for more work."
  type        = bool
  default     = false

  validation {
    condition     = !var.terminate_after_steps || length(var.steps) > 0
    error_message = "A cluster that terminates after its steps needs at least one step, or it stops as soon as it starts."
  }
}
