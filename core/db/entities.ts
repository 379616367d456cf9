import { AccountTokenSchema } from '../accounts/account-token.entity.ts';
import { ApiKeySchema } from '../accounts/api-key.entity.ts';
import { SessionSchema } from '../accounts/session.entity.ts';
import { UserSchema } from '../accounts/user.entity.ts';
import { NotificationPreferencesSchema } from '../email/notification-preferences.entity.ts';
import { LeadAnalyticSchema } from '../events/lead-analytic.entity.ts';
import { LeadAnalyticKeySchema } from '../events/lead-analytic-key.entity.ts';
import { VisitorSchema } from '../events/visitor.entity.ts';
import { InquirySchema } from '../inquiries/inquiry.entity.ts';
import { LeadSchema } from '../leads/lead.entity.ts';
import { LeadImportSchema } from '../leads/lead-import.entity.ts';
import { NotificationAttemptSchema, NotificationSchema } from '../notifications/notification.entity.ts';
import { FollowUpReminderSchema } from '../reminders/follow-up-reminder.entity.ts';
import { ReminderSettingsSchema } from '../reminders/reminder-settings.entity.ts';
import { ScoringRulesSchema } from '../scoring/scoring-rules.entity.ts';
import { LeadActivitySchema } from '../activities/lead-activity.entity.ts';
import { ListingSchema } from '../listings/listing.entity.ts';
import { AnalyticsDailySchema, AnalyticsDailyTotalSchema, AnalyticsListingWeekSchema, AnalyticsRollupStateSchema } from '../analytics/analytics-daily.entity.ts';
import { LeadBandCountSchema } from '../analytics/lead-band-count.entity.ts';
import { InquiryDailyCountSchema, LeadDailyCountSchema, SpeedDailyCountSchema, VisitorDailyCountSchema } from '../analytics/lead-daily-count.entity.ts';
import { PipelineStageSchema } from '../pipeline/pipeline-stage.entity.ts';
import { FilteredInquirySchema } from '../inquiries/filtered-inquiry.entity.ts';
import { LeadReportedContactSchema } from '../leads/reported-contact.entity.ts';
import { SiteSchema } from '../sites/site.entity.ts';
import { WebhookAttemptSchema } from '../webhooks/webhook-attempt.entity.ts';
import { WebhookDeliverySchema } from '../webhooks/webhook-delivery.entity.ts';
import { WebhookEndpointSchema } from '../webhooks/webhook-endpoint.entity.ts';
import { WebhookMessageSchema } from '../webhooks/webhook-message.entity.ts';
import { TodayVisitSchema } from '../today/today-visit.entity.ts';

/** Every entity, in one list for the ORM and the schema-diff test. */
export const ENTITIES = [
  UserSchema,
  SessionSchema,
  ApiKeySchema,
  SiteSchema,
  LeadSchema,
  InquirySchema,
  LeadAnalyticSchema,
  VisitorSchema,
  FollowUpReminderSchema,
  ScoringRulesSchema,
  WebhookEndpointSchema,
  WebhookMessageSchema,
  WebhookDeliverySchema,
  WebhookAttemptSchema,
  AccountTokenSchema,
  NotificationPreferencesSchema,
  NotificationSchema,
  NotificationAttemptSchema,
  ReminderSettingsSchema,
  PipelineStageSchema,
  LeadActivitySchema,
  ListingSchema,
  LeadReportedContactSchema,
  FilteredInquirySchema,
  AnalyticsDailySchema,
  AnalyticsDailyTotalSchema,
  AnalyticsListingWeekSchema,
  AnalyticsRollupStateSchema,
  LeadAnalyticKeySchema,
  TodayVisitSchema,
  LeadBandCountSchema,
  LeadDailyCountSchema,
  SpeedDailyCountSchema,
  InquiryDailyCountSchema,
  VisitorDailyCountSchema,
  LeadImportSchema,
];
