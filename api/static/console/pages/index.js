// Every page, the Scope (the role permission) it needs, and whether it is in the navigation.
import * as audit from "./audit.js";
import * as aml from "./aml.js";
import * as customer from "./customer.js";
import * as customers from "./customers.js";
import * as fees from "./fees.js";
import * as fx from "./fx.js";
import * as kyc from "./kyc.js";
import * as overview from "./overview.js";
import * as partners from "./partners.js";
import * as reconciliation from "./reconciliation.js";
import * as support from "./support.js";

export const PAGES = [
  { id: "overview", scope: "REPORTS_READ", nav: true, render: overview.render },
  { id: "partners", scope: "PARTNERS_READ", nav: true, render: partners.render },
  { id: "customers", scope: "CUSTOMERS_READ", nav: true, render: customers.render },
  { id: "customer", scope: "CUSTOMERS_READ", nav: false, render: customer.render },
  { id: "kyc", scope: "KYC_READ", nav: true, render: kyc.render },
  { id: "aml", scope: "AML_READ", nav: true, render: aml.render },
  { id: "fees", scope: "FEES_READ", nav: true, render: fees.render },
  { id: "fx", scope: "FEES_READ", nav: true, render: fx.render },
  { id: "reconciliation", scope: "RECONCILIATION_READ", nav: true, render: reconciliation.render },
  { id: "support", scope: "SUPPORT_READ", nav: true, render: support.render },
  { id: "audit", scope: "AUDIT_READ", nav: true, render: audit.render },
];
