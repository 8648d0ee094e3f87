//! The run's reports from a worker to the page (see `Figure::report`): the records GD and the
//! central flow added since the page's copy last heard, and where the run stands (its outcome,
//! θ and the step of θ, the accuracy, why the flow stopped). The page's copy appends them and
//! draws exactly what the worker computed.

use super::EdgeOfStability;
use crate::math::central_flow::{FlowRecord, FlowStop};
use crate::math::numbers::{Numbers, Reader};
use crate::math::sharpness::StepRecord;
use crate::math::trainer::Outcome;

/// What a report carries, read and checked before anything of the figure changes.
struct Report {
    records: Vec<StepRecord>,
    flow_records: Vec<FlowRecord>,
    outcome: Outcome,
    theta_step: usize,
    theta: Vec<f64>,
    accuracy: Option<(usize, f64)>,
    flow_stopped: Option<FlowStop>,
}

impl EdgeOfStability {
    /// GD's records and the flow's, as counts.
    pub(super) fn mark(&self) -> Vec<usize> {
        vec![self.run.records.len(), self.flow.as_ref().map_or(0, |b| b.flow.records().len())]
    }

    /// The report since `mark`: the mark itself, the records after it, then where the run
    /// stands.
    pub(super) fn report_since(&self, mark: &[usize]) -> Vec<f64> {
        let (records_from, flow_from) = (mark.first().copied().unwrap_or(0), mark.get(1).copied().unwrap_or(0));
        let flow_records = self.flow.as_ref().map_or(&[][..], |b| b.flow.records());
        let mut out = Numbers::default();
        for (from, len) in [(records_from, self.run.records.len()), (flow_from, flow_records.len())] {
            out.count(from);
            out.count(len.saturating_sub(from));
        }
        self.run.records.iter().skip(records_from).for_each(|r| r.write(&mut out));
        flow_records.iter().skip(flow_from).for_each(|r| r.write(&mut out));
        self.run.state().write(&mut out);
        out.count(self.run.theta_step());
        out.count(self.run.theta().len());
        out.values(self.run.theta());
        match self.accuracy {
            Some((step, accuracy)) => {
                out.count(1);
                out.count(step);
                out.value(accuracy);
            }
            None => out.values(&[0.0; 3]),
        }
        match self.flow.as_ref().and_then(|b| b.stopped) {
            Some(stop) => stop.write(&mut out),
            None => out.values(&[0.0; 3]),
        }
        out.0
    }

    /// Takes a report made by [`EdgeOfStability::report_since`] on a copy of this figure that
    /// stood where it stands.
    pub(super) fn follow_report(&mut self, numbers: &[f64]) -> Result<(), String> {
        let not_a_report = || "the numbers are not a report of this run".to_string();
        let report = self.read_report(numbers).ok_or_else(not_a_report)?;
        self.run.follow(report.records, &report.theta, report.theta_step, report.outcome);
        self.accuracy = report.accuracy;
        if let Some(beside) = &mut self.flow {
            beside.flow.follow(report.flow_records);
            beside.stopped = report.flow_stopped;
        }
        Ok(())
    }

    /// The report in `numbers`, if it is one that continues this figure's run.
    fn read_report(&self, numbers: &[f64]) -> Option<Report> {
        let mut read = Reader::new(numbers);
        let [holds, flow_holds] = self.mark()[..] else { return None };
        let (records_from, records_len) = (read.count()?, read.count()?);
        let (flow_from, flow_len) = (read.count()?, read.count()?);
        let has_flow = self.flow.is_some();
        let continues = records_from == holds && flow_from == flow_holds && (has_flow || flow_len == 0);
        // Each record takes several numbers: a count beyond what is left cannot be true.
        if !continues || records_len.max(flow_len) > numbers.len() {
            return None;
        }
        let records = (0..records_len).map(|_| StepRecord::read(&mut read)).collect::<Option<Vec<_>>>()?;
        let flow_records = (0..flow_len).map(|_| FlowRecord::read(&mut read)).collect::<Option<Vec<_>>>()?;
        let outcome = Outcome::read(&mut read)?;
        let theta_step = read.count()?;
        let p = read.count().filter(|&p| p == self.run.theta().len())?;
        let theta = read.values(p)?.to_vec();
        let (has_accuracy, accuracy_step, accuracy) = (read.count()?, read.count()?, read.value()?);
        let accuracy = match has_accuracy {
            0 => None,
            1 => Some((accuracy_step, accuracy)),
            _ => return None,
        };
        let flow_stopped = match read.values(3)? {
            [0.0, 0.0, 0.0] => None,
            stop => Some(FlowStop::read(&mut Reader::new(stop))?),
        };
        if !read.is_done() || (flow_stopped.is_some() && !has_flow) {
            return None;
        }
        Some(Report { records, flow_records, outcome, theta_step, theta, accuracy, flow_stopped })
    }
}
