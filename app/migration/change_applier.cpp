#include "app/migration/change_applier.h"

#include <fmt/format.h>

#include "app/migration/anti_corruption.h"
#include "app/migration/cdc_layout.h"
#include "app/platform/platform.h"

namespace staylab::migration {
namespace {

using Kind = ApplyVerdict::Kind;

ApplyVerdict verdict(Kind kind, std::string reason, bool out_of_order = false) {
  ApplyVerdict made;
  made.kind = kind;
  made.reason = std::move(reason);
  made.out_of_order = out_of_order;
  return made;
}

// Turns a refusal of the new side into a verdict; a store failure stays an error.
Result<ApplyVerdict> refused(const Error& error) {
  switch (error.kind) {
    case ErrorKind::InvalidInput:
      return verdict(Kind::Invalid, error.describe());
    case ErrorKind::NotFound:
    case ErrorKind::Refused:
    case ErrorKind::Conflict:
      return verdict(Kind::NotYet, error.describe());
    case ErrorKind::StoreFailure:
      break;
  }
  return std::unexpected(error);
}

CommandContext contextOf(const legacy::Change& change, int tries) {
  return CommandContext{fmt::format("{}/try/{}", changeCorrelation(change.change_id), tries),
                        changeCorrelation(change.change_id), std::string(kCdcCaller)};
}

}  // namespace

Result<ApplyVerdict> ChangeApplier::apply(const legacy::Change& change, int tries) {
  if (change.table == "PROPERTY")
    return applyProperty(change, tries);
  if (change.table == "RESERVATION")
    return applyReservation(change, tries);
  return verdict(Kind::Invalid, fmt::format("unknown table '{}'", change.table));
}

Result<ApplyVerdict> ChangeApplier::applyProperty(const legacy::Change& change, int tries) {
  auto row = propertyImage(change.image);
  if (!row)
    return verdict(Kind::Invalid, row.error().describe());
  if (change.change_id <= STAYLAB_TRY(m_store.lastPropertyChange(row->prop_no)))
    return verdict(Kind::Applied, "superseded by a later change of the property");

  listing::ListingService& listings = m_platform.listing();
  const CommandContext context = contextOf(change, tries);
  std::string id = row->ext_ref;
  if (id.empty()) {
    auto mapped = STAYLAB_TRY(m_store.newId('P', row->prop_no));
    id = mapped ? *mapped : importedPropertyId(row->prop_no);
  }
  auto current = listings.get(id);
  if (!current && current.error().kind != ErrorKind::NotFound)
    return std::unexpected(current.error());
  if (!current) {
    if (!row->ext_ref.empty())
      return verdict(Kind::Invalid, fmt::format("EXT_REF names '{}', unknown here", id));
    auto command = createCommand(*row);
    if (!command)
      return verdict(Kind::Invalid, command.error().describe());
    auto created = listings.create(*command, context);
    if (!created && created.error().kind != ErrorKind::Conflict)
      return refused(created.error());
    current = STAYLAB_TRY(listings.get(id));
  }
  auto update = updateCommand(*row, id);
  if (!update)
    return verdict(Kind::Invalid, update.error().describe());
  auto updated = listings.update(*update, context);
  if (!updated)
    return refused(updated.error());
  if (row->status == 'S' && updated->status == listing::PropertyStatus::Active) {
    auto suspended = listings.markFraud({id, "suspended in the legacy system"}, context);
    if (!suspended)
      return refused(suspended.error());
  } else if (row->status != 'S' && updated->status == listing::PropertyStatus::Suspended) {
    return verdict(Kind::Invalid, "the new domain cannot reinstate a suspended listing");
  }
  ApplyVerdict done = verdict(Kind::Applied, {});
  done.bookkeeping.mappings.push_back(IdMapping{'P', row->prop_no, id});
  done.bookkeeping.property_changes.emplace(row->prop_no, change.change_id);
  return done;
}

Result<ApplyVerdict> ChangeApplier::applyReservation(const legacy::Change& change, int tries) {
  auto row = reservationImage(change.image);
  if (!row)
    return verdict(Kind::Invalid, row.error().describe());
  auto property_id = STAYLAB_TRY(m_store.newId('P', row->prop_no));
  if (!property_id) {
    return verdict(Kind::NotYet, fmt::format("property {} not migrated yet", row->prop_no),
                   /*out_of_order=*/true);
  }
  if (change.depends_on > STAYLAB_TRY(m_store.lastPropertyChange(row->prop_no))) {
    return verdict(Kind::NotYet,
                   fmt::format("property change {} not applied yet", change.depends_on),
                   /*out_of_order=*/true);
  }

  booking::BookingService& bookings = m_platform.bookings();
  const CommandContext context = contextOf(change, tries);
  std::string id = row->ext_ref;
  if (id.empty()) {
    if (auto mapped = STAYLAB_TRY(m_store.newId('R', row->res_no)))
      id = *mapped;
  }
  ApplyVerdict done = verdict(Kind::Applied, {});
  if (id.empty()) {
    if (row->status != 'C') {
      if (change.op == 'I')
        return done;  // Inserted cancelled: nothing to migrate.
      return verdict(Kind::NotYet, fmt::format("reservation {} not migrated yet", row->res_no),
                     /*out_of_order=*/true);
    }
    auto command = placeCommand(*row, *property_id, tries);
    if (!command)
      return verdict(Kind::Invalid, command.error().describe());
    auto placed = bookings.place(*command, context);
    if (!placed)
      return refused(placed.error());
    done.bookkeeping.mappings.push_back(IdMapping{'R', row->res_no, placed->booking.id});
    return done;
  }
  auto booking = bookings.get(id);
  if (!booking)
    return refused(booking.error());
  if (row->status == 'X' && booking->holdsNights()) {
    auto cancelled = bookings.cancel({id}, context);
    if (!cancelled)
      return refused(cancelled.error());
  } else if (row->status == 'C' && !booking->holdsNights()) {
    return verdict(Kind::Invalid, "the new domain cannot reinstate a cancelled booking");
  }
  done.bookkeeping.mappings.push_back(IdMapping{'R', row->res_no, id});
  return done;
}

}  // namespace staylab::migration
