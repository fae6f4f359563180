//! The dead-letter file: every event not delivered, with the reason, appended one batch per
//! write and synced before the batch counts as settled.

use std::io::{self, Write};

use super::{add, Shared};
use crate::output::batch::Batch;

impl Shared {
    pub(super) fn dead_letter_failed(&self, e: &io::Error) {
        if let Ok(mut slot) = self.dead_letter_error.lock() {
            slot.get_or_insert_with(|| {
                let path = self.options.dead_letter.as_deref().unwrap_or("".as_ref());
                format!("cannot write the dead-letter file {}: {e}", path.display())
            });
        }
    }

    /// Writes the events of `batch` at `indices` to the dead-letter file with `reason`, in one
    /// append, and syncs it. True when they are on disk (and counted as dead-lettered); false
    /// when there is no dead-letter file or it could not be written: then they are lost to
    /// this run, count as undelivered, and their input is not checkpointed.
    pub(super) fn dead_letter(
        &self,
        batch: &Batch,
        entries: &[(usize, Option<u16>, String)],
    ) -> bool {
        let Some(file) = &self.dead_letter else {
            return false;
        };
        let mut records = Vec::with_capacity(entries.len() * 1024);
        for (i, status, reason) in entries {
            let (i, status) = (*i, *status);
            records.extend_from_slice(b"{\"reason\":");
            crate::json::write_str(&mut records, reason.as_bytes(), false);
            if let Some(s) = status {
                records.extend_from_slice(b",\"status\":");
                crate::json::write_u64(&mut records, u64::from(s));
            }
            records.extend_from_slice(b",\"event\":");
            records.extend_from_slice(batch.event(i));
            records.extend_from_slice(b"}\n");
        }
        let Ok(mut f) = file.lock() else {
            return false;
        };
        if let Err(e) = f.write_all(&records).and_then(|()| f.sync_data()) {
            self.dead_letter_failed(&e);
            return false;
        }
        add(&self.tally.dead_lettered, entries.len());
        true
    }

    pub(super) fn dead_letter_all(&self, batch: &Batch, status: Option<u16>, reason: &str) -> bool {
        let all: Vec<(usize, Option<u16>, String)> = (0..batch.len())
            .map(|i| (i, status, reason.to_string()))
            .collect();
        self.dead_letter(batch, &all)
    }
}
