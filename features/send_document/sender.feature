@send-document @1.6.0 @sender @spec:senddocument_fedcon_mesh
Feature: Send Document: a sending system sends consultation reports to the registered practice
  The sending system under test is made to send a consultation report (embedded: the reference sender; otherwise
  `send_document.sender_command`). The harness plays the patient's registered practice: the report must reach the
  practice through MESH's routing address `GPPROVIDER_<NHS No>_<DOB DDMMYYYY>_<Surname>` on workflow
  `GPFED_CONSULT_REPORT`, with the Composition text as subject and the sender's ODS code as local id
  (`senddocument_fedcon_mesh`); the ITK3 message must keep every rule of the message (`senddocument_fedcon_itk3`,
  `senddoc_requirements.yml`) and its profiles, the PDF must open, a replacement must name the document it
  replaces and carry the next version (`senddocument_fedcon_resend`), and the sender must collect the
  acknowledgements the practice sends back (GPCM-SD-040..045). Each scenario holds a patient of the harness's
  sender pool (pack patients 3 to 18) while it runs, and takes the report the sender sends about that patient.

  @id:sd.sender.01 @guards:sd-sender-wrong-workflow
  Scenario: The report comes on the Send Document workflow
    When the sender sends a consultation report
    Then the report comes on MESH workflow "GPFED_CONSULT_REPORT"

  @id:sd.sender.02 @guards:sd-sender-wrong-routing
  Scenario: The report is addressed to the patient's registered practice by MESH routing
    When the sender sends a consultation report
    Then the report is addressed to the patient's registered practice

  @id:sd.sender.03 @guards:sd-sender-wrong-subject
  Scenario: The MESH subject is the report's summary with its version
    When the sender sends a consultation report
    Then the report's MESH subject is the Composition's text with its version

  @id:sd.sender.04 @guards:sd-sender-wrong-local-id
  Scenario: The MESH local id is the sender's ODS code
    When the sender sends a consultation report
    Then the report's MESH local id is the sender's ODS code

  @id:sd.sender.05 @guards:sd-sender-wrong-source
  Scenario: The MessageHeader's source is the mailbox the report was sent from
    When the sender sends a consultation report
    Then the report's source endpoint is the mailbox it came from

  @id:sd.sender.06 @guards:sd-sender-invalid-resource @spec:senddocument_fedcon_payload
  Scenario: The report is valid against the ITK profiles
    When the sender sends a consultation report
    Then the report is valid against the ITK profiles

  @id:sd.sender.07 @guards:sd-sender-empty-pdf @spec:senddocument_fedcon_busreq_pdf
  Scenario: The report's PDF opens and has at least one page
    When the sender sends a consultation report
    Then the report's PDF has at least one page

  @id:sd.sender.08 @spec:senddocument_fedcon_itk3
  Scenario Outline: The report keeps the rules of an ITK3 Send Document message
    When the sender sends a consultation report
    Then the report breaks no rule "<rule>"

    Examples:
      | rule                                 | guards |
      | itk-bundle-type                      | sd-sender-bundle-type |
      | itk-bundle-identifier                | sd-sender-bundle-identifier |
      | itk-header-first                     | sd-sender-header-first |
      | itk-header-event                     | sd-sender-header-event |
      | itk-header-no-destination            | sd-sender-header-no-destination |
      | itk-handling-acks                    | sd-sender-handling-acks |
      | itk-handling-recipient-type          | sd-sender-handling-recipient-type |
      | itk-handling-message-definition      | sd-sender-handling-message-definition |
      | itk-handling-sender-reference        | sd-sender-handling-sender-reference |
      | itk-handling-local-extension         | sd-sender-handling-local-extension |
      | itk-header-focus                     | sd-sender-header-focus |
      | itk-document-type                    | sd-sender-document-type |
      | itk-composition-first                | sd-sender-composition-first |
      | itk-composition-status               | sd-sender-composition-status |
      | itk-composition-type                 | sd-sender-composition-type |
      | itk-composition-text                 | sd-sender-composition-text |
      | itk-patient                          | sd-sender-patient |
      | itk-patient-nhs-number               | sd-sender-patient-nhs-number |
      | itk-binary-first                     | sd-sender-binary-first |
      | itk-binary-pdf                       | sd-sender-binary-pdf |
      | itk-binary-pdf-opens                 | sd-sender-binary-pdf-opens,sd-sender-empty-pdf |

  @id:sd.sender.09 @guards:sd-sender-replacement-unlinked @spec:senddocument_fedcon_resend
  Scenario: A replacement names the document it replaces
    When the sender sends a consultation report
      And the sender sends a replacement of that report
    Then the replacement replaces the first report's document

  @id:sd.sender.10 @guards:sd-sender-version-not-incremented @spec:senddocument_fedcon_resend
  Scenario: A replacement carries the next version in its text and MESH subject
    When the sender sends a consultation report
      And the sender sends a replacement of that report
    Then the replacement's version is one more than the first report's

  @id:sd.sender.11 @guards:sd-sender-ignores-acks @spec:senddocument_fedcon_errors
  Scenario Outline: The sender collects every acknowledgement the practice sends back
    When the sender sends a consultation report
      And I answer the report with acknowledgement "<code>"
    Then MESH shows the sender collect the acknowledgement

    Examples:
      | code  |
      | 20013 |
      | 30001 |
      | 10001 |
      | 20009 |
      | 20014 |
      | 30002 |
      | 30003 |
