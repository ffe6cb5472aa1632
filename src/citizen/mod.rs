//! Citizens' requests (R13, R18-R20): consultations, complaints, requests for help and
//! suggestions, and their workflow.

pub mod machine;
