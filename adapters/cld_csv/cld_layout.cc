#include "adapters/cld_csv/cld_layout.h"

#include <algorithm>

#include "absl/strings/str_replace.h"

namespace caregate::adapters::cld_csv {
namespace {

const ColumnLabels kLabels[kColumnCount] = {
    {"LA Code", "LA_Code", ""},
    {"Reporting Period Start Date", "Reporting_Period_Start_Date", ""},
    {"Reporting Period End Date", "Reporting_Period_End_Date", ""},
    {"NHS Number", "NHS_Number", ""},
    {"LA Person Unique Identifier", "LA_Person_Unique_Identifier", ""},
    {"GP Practice Code", "GP_Practice_Code", ""},
    {"Gender", "Gender", ""},
    {"Ethnicity", "Ethnicity", ""},
    {"Date of Birth", "Date_of_Birth", ""},
    {"Date of Death", "Date_of_Death", ""},
    {"Client Type", "Client_Type", ""},
    {"Primary Support Reason", "Primary_Support_Reason", ""},
    {"Postcode", "Postcode", ""},
    {"Accommodation Status", "Accommodation_Status", ""},
    {"Employment Status", "Employment_Status", ""},
    {"Has Unpaid Carer", "Has_Unpaid_Carer", ""},
    {"Autism Spectrum Disorder (ASD)", "Autism_Spectrum_Disorder_ASD", ""},
    {"Visual Impairment", "Visual_Impairment", ""},
    {"Hearing Impairment", "Hearing_Impairment", ""},
    {"Dementia", "Dementia", ""},
    {"Client Funding Status", "Client_Funding_Status", ""},
    {"Event Type", "Event_Type", ""},
    {"Event Reference", "Event_Reference", ""},
    {"Event Start Date", "Event_Start_Date", ""},
    {"Event End Date", "Event_End_Date", ""},
    {"Event Description", "Event_Description", ""},
    {"Event Outcome", "Event_Outcome", ""},
    {"Request: Route of Access", "Request_Route_of_Access", ""},
    {"Assessment Type", "Assessment_Type", ""},
    {"Eligible Needs Identified", "Eligible_Needs_Identified", ""},
    {"Method of Assessment", "Method_of_Assessment", ""},
    {"Total Hrs Caring per week", "Total_Hrs_Caring_per_week", ""},
    {"No. of adults being cared for", "No_of_adults_being_cared_for", ""},
    {"Adult 1 Linked Person_ID", "Adult_1_Linked_Person_ID", ""},
    {"Adult 2 Linked Person_ID", "Adult_2_Linked_Person_ID", ""},
    {"Adult 3 Linked Person_ID", "Adult_3_Linked_Person_ID", ""},
    {"Service Type", "Service_Type", ""},
    {"Service Component", "Service_Component", ""},
    {"Delivery Mechanism", "Delivery_Mechanism", ""},
    {"Provider CQC Location ID", "Provider_CQC_Location_ID", ""},
    {"Review Reason", "Review_Reason", ""},
    {"Review Outcomes Achieved", "Review_Outcomes_Achieved", ""},
    {"Method of Review", "Method_of_Review", ""},
    {"Unit Cost", "Unit_Cost", ""},
    {"Cost Frequency (Unit Type)", "Cost_Frequency_Unit_Type", ""},
    {"Planned units per week", "Planned_units_per_week", ""},
    // Optional columns.
    {"Given Name", "First_Name", "First Name"},
    {"Family Name", "Last_Name", "Last Name"},
    {"GP Practice Name", "GP_Practice_Name", ""},
    {"Provider Name", "Provider_CQC_Location_Name", "Provider CQC Location Name"},
    {"Address Line 1", "Address_Line_1", ""},
    {"NHS Number Status", "NHS_Number_Status", ""},
    {"Direct Payment Managed By", "Direct_Payment_Managed_By", ""},
};

CodeList MakeEthnicity() {
  CodeList list{"Ethnicity", {
      "White: English, Welsh, Scottish, Northern Irish or British",
      "White: Irish",
      "White: Gypsy or Irish Traveller",
      "White: Roma",
      "White: Any other White background",
      "Mixed or multiple ethnic groups: White and Black Caribbean",
      "Mixed or multiple ethnic groups: White and Black African",
      "Mixed or multiple ethnic groups: White and Asian",
      "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background",
      "Asian or Asian British: Indian",
      "Asian or Asian British: Pakistani",
      "Asian or Asian British: Bangladeshi",
      "Asian or Asian British: Chinese",
      "Asian or Asian British: Any other Asian background",
      "Black, Black British, Caribbean or African: Caribbean",
      "Black, Black British, Caribbean or African: African",
      "Black, Black British, Caribbean or African: Any other Black, Black British or "
      "Caribbean background",
      "Other ethnic group: Arab",
      "Other ethnic group: Any other ethnic group",
      "No data: Refused",
      "No data: Undeclared or not known",
  }, {}};
  // Release 1 used " - " where Release 2 uses ": ".
  for (const std::string& v : list.values) {
    size_t colon = v.find(": ");
    list.release1.emplace_back(v.substr(0, colon) + " - " + v.substr(colon + 2), v);
  }
  return list;
}

const CodeList& Gender() {
  static const CodeList* l = new CodeList{"Gender", {"Male", "Female", "Other", "Unknown"}, {}};
  return *l;
}
const CodeList& Ethnicity() {
  static const CodeList* l = new CodeList(MakeEthnicity());
  return *l;
}
const CodeList& ClientType() {
  static const CodeList* l = new CodeList{
      "Client Type",
      {"Service user", "Unpaid carer", "Unpaid carer known by association"},
      {{"Service User", "Service user"},
       {"Carer", "Unpaid carer"},
       {"Carer known by association", "Unpaid carer known by association"}}};
  return *l;
}
const CodeList& PrimarySupportReason() {
  static const CodeList* l = new CodeList{
      "Primary Support Reason",
      {"Physical Support: Access & mobility only",
       "Physical Support: Personal care support",
       "Sensory Support: Support for visual impairment",
       "Sensory Support: Support for hearing impairment",
       "Sensory Support: Support for dual impairment",
       "Support with Memory & Cognition", "Learning Disability Support",
       "Mental Health Support", "Social Support: Substance misuse support",
       "Social Support: Asylum seeker support",
       "Social Support: Support for Social Isolation/Other",
       "Social support: Support to unpaid carer", "Unknown"},
      {{"Social Support: Support to Carer", "Social support: Support to unpaid carer"}}};
  return *l;
}
const CodeList& AccommodationStatus() {
  static const CodeList* l = new CodeList{
      "Accommodation Status",
      {"Owner occupier or shared ownership scheme",
       "Tenant: Local authority or other social housing provider",
       "Tenant: Private landlord",
       "Settled mainstream housing with family or friends",
       "Supported accommodation, supported lodgings or supported group home",
       "Shared Lives scheme",
       "Approved premises for offenders released from prison or under probation "
       "supervision",
       "Sheltered housing, extra care housing or other sheltered housing",
       "Mobile accommodation for Gypsy, Roma and Traveller communities",
       "Rough sleeper or squatting",
       "Night shelter, emergency hostel or direct access hostel", "Refuge",
       "Placed in temporary accommodation by the council (inc. homelessness "
       "resettlement)",
       "Staying with family or friends as a short term guest",
       "Acute hospital or long term healthcare residential facility",
       "Registered care home", "Registered nursing home",
       "Prison, young offenders institution or detention centre",
       "Other temporary accommodation", "Unknown"},
      {}};
  return *l;
}
const CodeList& EmploymentStatus() {
  static const CodeList* l = new CodeList{
      "Employment Status",
      {"Paid: Less than 16 hours a week", "Paid: 16 or more hours a week",
       "Paid: Hours per week unknown", "Not in paid employment: Seeking work",
       "Not in paid employment: Voluntary work only",
       "Not in paid employment: Not actively seeking work or retired", "Unknown"},
      {}};
  return *l;
}
const CodeList& YesNoUnknown() {
  static const CodeList* l = new CodeList{"Yes/No/Unknown", {"Yes", "No", "Unknown"}, {}};
  return *l;
}
const CodeList& ClientFundingStatus() {
  static const CodeList* l = new CodeList{
      "Client Funding Status",
      {"Fully social care funded", "Joint client and social care funded",
       "Fully client funded", "Unknown"},
      {}};
  return *l;
}
const CodeList& EventType() {
  static const CodeList* l =
      new CodeList{"Event Type", {"Request", "Assessment", "Service", "Review"}, {}};
  return *l;
}
const CodeList& EventOutcome() {
  static const CodeList* l = new CodeList{
      "Event Outcome",
      {"Progress to reablement/ST-Max",
       "Progress to assessment, review or reassessment",
       "Progress to support planning or services",
       "Continuation of support or services", "Admitted to hospital",
       "NFA: Responsibility moved to another local authority",
       "NFA: Referral to NHS services or NHS funded social care",
       "NFA: Self-funded client or under 12wk disregard",
       "NFA: Information and advice or signposting",
       "NFA: Referral to other service within the local authority",
       "NFA: Support declined", "NFA: Deceased", "NFA: Support ended as planned",
       "NFA: Support ended for other reason", "NFA: No services offered for other reason",
       "NFA: Other",
       // Release 1 labels seen in published code, kept as submitted.
       "Progress to financial assessment", "Progress to End of Life Care",
       "No change in package", "Provision of service", "Service ended as planned",
       "NFA - 100% NHS funded care"},
      {}};
  return *l;
}
const CodeList& ServiceType() {
  static const CodeList* l = new CodeList{
      "Service Type",
      {"Short term support: ST-Max", "Short term support: Ongoing low level",
       "Short term support: Other short term", "Long term support: Nursing care",
       "Long term support: Residential care", "Long term support: Community",
       "Long term support: Prison", "Unpaid carer support: Direct to unpaid carer",
       "Unpaid carer support: Support involving the person cared-for"},
      {{"Short Term Support: ST-Max", "Short term support: ST-Max"},
       {"Short Term Support: Ongoing Low Level", "Short term support: Ongoing low level"},
       {"Short Term Support: Other Short Term", "Short term support: Other short term"},
       {"Long Term Support: Nursing Care", "Long term support: Nursing care"},
       {"Long Term Support: Residential Care", "Long term support: Residential care"},
       {"Long Term Support: Community", "Long term support: Community"},
       {"Long Term Support: Prison", "Long term support: Prison"},
       {"Carer Support: Direct to Carer", "Unpaid carer support: Direct to unpaid carer"},
       {"Carer Support: Support involving the person cared-for",
        "Unpaid carer support: Support involving the person cared-for"}}};
  return *l;
}
const CodeList& ServiceComponent() {
  static const CodeList* l = new CodeList{
      "Service Component",
      {"Reablement", "Short term residential care", "Short term nursing care",
       "Home support or domiciliary care", "Direct payment", "Equipment", "Shared Lives",
       "Community supported living", "Extra care housing", "Long term nursing care",
       "Long term residential care", "Day support", "Meals", "Transport",
       "Professional support: Social worker", "Professional support: Other",
       "Learning, education or employment support", "End of life care",
       "Emergency support", "Other short term support", "Other long term support",
       "Unpaid carer respite", "Unpaid carer sitting service",
       "Unpaid carer universal services", "Other unpaid carer support"},
      {{"Carer Respite", "Unpaid carer respite"}}};
  return *l;
}
const CodeList& DeliveryMechanism() {
  static const CodeList* l = new CodeList{
      "Delivery Mechanism",
      {"Direct payment", "CASSR managed personal budget", "CASSR commissioned support"},
      {{"Direct Payment", "Direct payment"},
       {"CASSR Managed Personal Budget", "CASSR managed personal budget"},
       {"CASSR Commissioned Support", "CASSR commissioned support"}}};
  return *l;
}
const CodeList& CostFrequency() {
  static const CodeList* l = new CodeList{
      "Cost Frequency (Unit Type)",
      {"Per session", "Hourly", "Daily", "Weekly", "Fortnightly", "4-weekly", "Monthly",
       "Quarterly", "Annually", "One-off", "No charge to client"},
      {}};
  return *l;
}

}  // namespace

const ColumnLabels& Labels(int column) { return kLabels[column]; }

int ColumnForHeader(absl::string_view header) {
  for (int i = 0; i < kColumnCount; ++i) {
    const ColumnLabels& l = kLabels[i];
    if (header == l.header || header == l.field_name ||
        (!l.alias.empty() && header == l.alias)) {
      return i;
    }
  }
  return -1;
}

const CodeList* CodeListFor(int column) {
  switch (column) {
    case kGender: return &Gender();
    case kEthnicity: return &Ethnicity();
    case kClientType: return &ClientType();
    case kPrimarySupportReason: return &PrimarySupportReason();
    case kAccommodationStatus: return &AccommodationStatus();
    case kEmploymentStatus: return &EmploymentStatus();
    case kHasUnpaidCarer: return &YesNoUnknown();
    case kClientFundingStatus: return &ClientFundingStatus();
    case kEventType: return &EventType();
    case kEventOutcome: return &EventOutcome();
    case kServiceType: return &ServiceType();
    case kServiceComponent: return &ServiceComponent();
    case kDeliveryMechanism: return &DeliveryMechanism();
    case kCostFrequency: return &CostFrequency();
    default: return nullptr;
  }
}

std::string Canonical(const CodeList& list, absl::string_view value) {
  for (const std::string& v : list.values) {
    if (v == value) return v;
  }
  for (const auto& [r1, r2] : list.release1) {
    if (r1 == value) return r2;
  }
  return "";
}

}  // namespace caregate::adapters::cld_csv
