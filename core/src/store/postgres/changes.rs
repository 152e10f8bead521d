//! `LISTEN plugboard_changes` on a connection of its own (the pool's
//! connections drop notifications), forwarding each to a channel.

use tokio_postgres::{AsyncMessage, NoTls};

use super::PgStore;
use crate::store::{Change, Changes, StoreError};

/// The listening connection: its client, and the task that polls it. Dropping
/// it stops listening.
struct Listener {
    client: tokio_postgres::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl PgStore {
    /// Connect, `LISTEN`, and forward notifications until the connection or
    /// the receiver goes. Must run inside the store's runtime.
    pub(crate) async fn listen(&self) -> Result<Changes, StoreError> {
        let action = "connecting to listen for changes";
        let (client, mut connection) = self.config.connect(NoTls).await.map_err(self.on(action))?;
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        // The connection must be polled for the client's own statements to
        // complete, so the task starts before the LISTEN is sent.
        let task = tokio::spawn(async move {
            while let Some(Ok(message)) =
                std::future::poll_fn(|cx| connection.poll_message(cx)).await
            {
                if let AsyncMessage::Notification(n) = message
                    && let Some(change) = Change::parse(n.payload())
                    && sender.send(change).is_err()
                {
                    return;
                }
            }
        });
        let listener = Listener { client, task };
        listener
            .client
            .batch_execute("LISTEN plugboard_changes")
            .await
            .map_err(self.on(action))?;
        Ok(Changes {
            receiver,
            _listener: Box::new(listener),
        })
    }
}
