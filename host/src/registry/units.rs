//! The capabilities with a part in approval, in the order the prompt and the
//! list of changes show them. The registry composes them, passing each unit
//! the sections it reads; each rule lives in its capability's `grant.rs`.

use crate::capabilities::grant::{Changes, Grant, Unit};
use crate::capabilities::{actions, auth, config, limits, network, ratelimit, secrets};
use crate::manifest::Manifest;

/// One capability's part in approval, over a whole manifest: its unit and
/// the sections of a manifest it reads.
pub trait Approval: Sync {
    /// The unit's lines of the approval prompt for `m`.
    fn prompt(&self, m: &Manifest, reveal: bool, out: &mut Vec<String>);

    /// What `new` asks of the unit beyond `grant`, given to `previous`, and
    /// what it no longer asks for.
    fn compare(&self, grant: &Grant, previous: &Manifest, new: &Manifest, reveal: bool) -> Changes;
}

/// `unit`, reading `sections` of each manifest.
pub struct Reads<U: Unit + 'static> {
    unit: U,
    sections: for<'m> fn(&'m Manifest) -> U::Section<'m>,
}

impl<U: Unit + 'static> Approval for Reads<U> {
    fn prompt(&self, m: &Manifest, reveal: bool, out: &mut Vec<String>) {
        self.unit.prompt((self.sections)(m), reveal, out);
    }

    fn compare(&self, grant: &Grant, previous: &Manifest, new: &Manifest, reveal: bool) -> Changes {
        self.unit.compare(
            grant,
            (self.sections)(previous),
            (self.sections)(new),
            reveal,
        )
    }
}

/// Every capability's approval unit, in order, with the sections it reads.
pub const UNITS: &[&dyn Approval] = &[
    &Reads {
        unit: network::grant::Egress,
        sections: |m| &m.egress,
    },
    &Reads {
        unit: auth::grant::Profiles,
        sections: |m| &m.auth,
    },
    &Reads {
        unit: secrets::grant::Secrets,
        sections: |m| secrets::grant::View {
            secrets: &m.secrets,
            uses: &m.auth,
        },
    },
    &Reads {
        unit: ratelimit::grant::Buckets,
        sections: |m| &m.ratelimit,
    },
    &Reads {
        unit: config::grant::Deciding,
        sections: |m| config::grant::View {
            config: &m.config,
            readers: [&m.auth, &m.ratelimit],
        },
    },
    &Reads {
        unit: actions::Actions,
        sections: |m| &m.actions,
    },
    &Reads {
        unit: limits::grant::Memory,
        sections: |m| &m.limits,
    },
    &Reads {
        unit: secrets::grant::Reveal,
        sections: |_| (),
    },
];
