// Saga with compensation: a booking paid for runs as a saga the booking
// service orchestrates (domain/booking/booking_saga.h): hold the nights
// (the booking Pending), charge through the Payment context, confirm; when
// the charge fails or the saga is cut short, the compensation voids the
// charge and releases the nights (Rejected, reason payment), and the saga
// table lets a restart finish what a crash left under way. Switched off,
// the same steps run without compensation: a failed charge leaves its
// booking Pending, holding nights nobody paid for and nobody can book.
// It acts only where bookings are paid for: a topology that binds the
// payment provider (assets/topologies/README.md).

#include <array>

#include "simulator/patterns/platform_switch.h"

namespace staylab::sim {
namespace {

constexpr std::array<MeasureSpec, 1> kMeasures = {{
    {"orphaned_holds", MeasureScope::Run, "",
     "bookings still holding their nights once quiet though their payment never went through "
     "(Pending with no saga left to finish them)"},
}};

}  // namespace

std::unique_ptr<Pattern> makeSagaPattern() {
  return makePlatformSwitch({
      .name = "saga",
      .title = "Saga with compensation",
      .summary = "A paid booking holds its nights, is charged, then confirmed, and a failed charge "
                 "releases the nights; without compensation failed bookings keep holding them.",
      .live = LiveSwitch::No,
      .field = &PlatformBuild::saga,
      .measures = kMeasures,
  });
}

}  // namespace staylab::sim
