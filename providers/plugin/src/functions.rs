//! Provider-defined functions (`CallFunction`). Expressions are evaluated
//! synchronously, wherever the caller happens to run, so the calls go to
//! a thread of the provider's own that runs its own plugin process (an
//! unconfigured one, as Terraform calls functions) in its own runtime:
//! a caller only waits for the answer, and no runtime of the caller's is
//! blocked on or borrowed.

use crate::{dynamic, methods, proto, undynamic, PluginProvider};
use std::sync::mpsc;
use strata_provider::ProviderError;
use strata_types::Value;

pub(crate) type Outcome = Result<Value, (String, Option<usize>)>;

type Request = (String, Vec<Value>, mpsc::Sender<Outcome>);

/// The thread that makes a provider's function calls.
pub(crate) struct FunctionHost {
    requests: tokio::sync::mpsc::UnboundedSender<Request>,
}

impl FunctionHost {
    /// Starts the thread; its plugin process starts on the first call.
    pub(crate) fn start(provider: PluginProvider) -> FunctionHost {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Request>();
        let spawned = std::thread::Builder::new()
            .name("strata-provider-functions".into())
            .spawn(move || {
                crate::block_sigpipe_on_this_thread();
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    while let Some((name, args, reply)) = rx.recv().await {
                        let _ = reply.send(call(&provider, &name, args).await);
                    }
                    provider.shutdown().await;
                });
            });
        if spawned.is_err() {
            // Calls then fail: nothing receives them.
            tracing::warn!(target: "strata::plugin", "cannot start the provider functions' thread");
        }
        FunctionHost { requests: tx }
    }

    /// Calls `name` and waits for the answer.
    pub(crate) fn call(&self, name: &str, args: Vec<Value>) -> Outcome {
        let (reply, answer) = mpsc::channel();
        if self.requests.send((name.to_string(), args, reply)).is_err() {
            return Err(("the provider's function calls have stopped".into(), None));
        }
        answer
            .recv()
            .unwrap_or_else(|_| Err(("the provider's function call was lost".into(), None)))
    }
}

async fn call(provider: &PluginProvider, name: &str, args: Vec<Value>) -> Outcome {
    let failed = |e: ProviderError| (e.to_string(), None);
    let Some(function) = provider.functions.get(name) else {
        return Err((format!("the provider offers no function \"{name}\""), None));
    };
    let mut arguments = Vec::with_capacity(args.len());
    for (i, arg) in args.iter().enumerate() {
        let Some(param) = function.params.get(i).or(function.variadic.as_ref()) else {
            return Err((
                format!("the function takes {} arguments", function.params.len()),
                None,
            ));
        };
        arguments.push(dynamic(arg, &param.ty).map_err(|e| (e.to_string(), Some(i)))?);
    }
    let response: proto::CallFunctionResponse = provider
        .call(
            methods(provider.protocol).call_function,
            &proto::CallFunctionRequest {
                name: name.to_string(),
                arguments,
            },
        )
        .await
        .map_err(failed)?;
    if let Some(error) = response.error {
        let argument = error
            .function_argument
            .and_then(|i| usize::try_from(i).ok());
        return Err((error.text, argument));
    }
    undynamic(response.result.as_ref(), &function.ret).map_err(failed)
}
