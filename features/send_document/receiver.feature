@send-document @1.6.0 @receiver @spec:senddocument_fedcon_errors
Feature: Send Document: a receiving GP practice system acknowledges consultation reports
  The harness sends consultation reports (ITK3 `ITK007C` messages over MESH, workflow `GPFED_CONSULT_REPORT`) to
  the receiving system's mailbox and waits, up to `send_document.wait_secs`, for the ITK3 acknowledgements
  (`ITK008M`) that must come back to the sender's mailbox on workflow `GPFED_CONSULT_REPORT_ACK`: an
  infrastructure acknowledgement (20013 Success, or a negative code for a message that breaks the rules, 20014
  for a replacement of a document the receiver never had) and, for an accepted message, a business
  acknowledgement (30001 patient registered here, 30002 not known, 30003 no longer registered here)
  (`senddoc_requirements.yml` GPCM-SD-CS-054..059, GPCM-SD-040..045; ITK3 integration page).

  @id:sd.receiver.01 @guards:sd-no-infrastructure-ack @guards:sd-wrong-infrastructure-code @guards:sd-ack-to-wrong-mailbox
  Scenario: A valid consultation report is acknowledged with 20013 Success
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then an infrastructure acknowledgement with code "20013" arrives

  @id:sd.receiver.02 @guards:sd-ack-wrong-reference
  Scenario: The infrastructure acknowledgement answers the report's MessageHeader
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then the infrastructure acknowledgement answers the report's MessageHeader

  @id:sd.receiver.03 @guards:sd-ack-loses-sender-reference
  Scenario: The acknowledgements carry the report's SenderReference back
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then both acknowledgements carry the report's SenderReference

  @id:sd.receiver.04 @guards:sd-ack-wrong-workflow @spec:senddocument_fedcon_mesh
  Scenario: The acknowledgements come on the acknowledgement workflow
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then both acknowledgements come on MESH workflow "GPFED_CONSULT_REPORT_ACK"

  @id:sd.receiver.05 @guards:sd-ack-invalid
  Scenario: The acknowledgements are valid against the ITK profiles
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then both acknowledgements are valid against the ITK profiles

  @id:sd.receiver.06 @guards:sd-ack-wrong-source
  Scenario: The acknowledgements name the receiver's mailbox as their source
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then both acknowledgements name the receiver's mailbox as their source

  @id:sd.receiver.07 @guards:sd-business-ack-first
  Scenario: The business acknowledgement follows the infrastructure acknowledgement
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then the business acknowledgement arrives after the infrastructure acknowledgement

  @id:sd.receiver.08 @guards:sd-message-not-collected @spec:senddocument_fedcon_mesh
  Scenario: The receiver collects the report from its MESH mailbox
    Given a consultation report for "patient1"
    When I send the report to the receiver
    Then MESH shows the report collected by the receiver

  @id:sd.receiver.09
  Scenario Outline: The business acknowledgement says whether the patient is registered at the practice
    Given a consultation report for "<patient>"
    When I send the report to the receiver
    Then an infrastructure acknowledgement with code "20013" arrives
      And a business acknowledgement with code "<code>" arrives

    Examples:
      | patient            | code  | guards                                        |
      | patient1           | 30001 | sd-no-business-ack,sd-wrong-business-code     |
      | patient2           | 30001 | sd-no-business-ack,sd-wrong-business-code     |
      | patientNotInSystem | 30002 | sd-unknown-patient-accepted                   |
      | patient21          | 30003 | sd-departed-patient-accepted                  |

  @id:sd.receiver.10
  Scenario Outline: A report that breaks a rule of ITK3 or Send Document is refused with a negative infrastructure acknowledgement
    Given a consultation report for "patient1"
      And the report breaks rule "<rule>"
    When I send the report to the receiver
    Then a negative infrastructure acknowledgement arrives with one of the codes "<codes>"

    Examples:
      | rule                                 | codes                    | guards |
      | itk-bundle-type                      | 10009,20009              | sd-accepts-invalid-message |
      | itk-bundle-identifier                | 20006,20009              | sd-accepts-invalid-message |
      | itk-header-first                     | 10009,20006,20009        | sd-accepts-invalid-message |
      | itk-header-event                     | 20006,10009              | sd-accepts-invalid-message |
      | itk-header-no-destination            | 20006                    | sd-accepts-invalid-message |
      | itk-handling-acks                    | 10001,10002,10003,10008  | sd-accepts-invalid-message |
      | itk-handling-recipient-type          | 10010,10001,10008        | sd-accepts-invalid-message |
      | itk-handling-message-definition      | 10004,10001,10008        | sd-accepts-invalid-message |
      | itk-handling-sender-reference        | 10007,10001,10008        | sd-accepts-invalid-message |
      | itk-handling-local-extension         | 10008,10001,20006        | sd-accepts-invalid-message |
      | itk-header-focus                     | 20006,20009              | sd-accepts-invalid-message |
      | itk-document-type                    | 20009                    | sd-accepts-invalid-message |
      | itk-composition-first                | 20009                    | sd-accepts-invalid-message |
      | itk-composition-status               | 20009                    | sd-accepts-invalid-message |
      | itk-composition-type                 | 20009                    | sd-accepts-invalid-message |
      | itk-composition-text                 | 20009                    | sd-accepts-invalid-message |
      | itk-patient                          | 20009                    | sd-accepts-invalid-message |
      | itk-patient-nhs-number               | 20009                    | sd-accepts-invalid-message |
      | itk-binary-first                     | 20009,20004,20005        | sd-accepts-invalid-message,sd-accepts-message-without-pdf |
      | itk-binary-pdf                       | 20004,20005,20009        | sd-accepts-invalid-message,sd-accepts-message-without-pdf |
      | itk-binary-pdf-opens                 | 20004,20005,20009        | sd-accepts-invalid-message,sd-accepts-message-without-pdf |

  @id:sd.receiver.11 @guards:sd-replacement-rejected @spec:senddocument_fedcon_resend
  Scenario: A replacement of a document the receiver holds is accepted
    Given the receiver has accepted a consultation report for "patient2"
      And a replacement of that report
    When I send the report to the receiver
    Then an infrastructure acknowledgement with code "20013" arrives

  @id:sd.receiver.12 @guards:sd-replacement-not-recognised @spec:senddocument_fedcon_resend
  Scenario: A replacement of a document the receiver never had is answered 20014
    Given a consultation report for "patient2"
      And the report replaces a document the receiver never had
    When I send the report to the receiver
    Then an infrastructure acknowledgement with code "20014" arrives
