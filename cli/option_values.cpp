#include "option_values.h"

namespace ringctl {
namespace {

// The name of the validator one_of adds: its presence says that the type name lists the choices.
constexpr const char* kOneOfValidator = "one_of";

}  // namespace

CLI::Option* one_of(CLI::Option* option, const std::vector<std::string>& choices, Case letter_case) {
  CLI::Validator member =
      letter_case == Case::kIgnored ? CLI::IsMember(choices, CLI::ignore_case) : CLI::IsMember(choices);
  // The type name already lists the choices; the validator's own "{a,b,c}" would repeat them.
  return option->check(member.description("").name(kOneOfValidator))->type_name(CLI::detail::join(choices, "|"));
}

std::vector<std::string> option_choices(CLI::Option& option) {
  try {
    option.get_validator(kOneOfValidator);
  } catch (const CLI::OptionNotFound&) {
    return {};
  }
  // get_type_name() appends the descriptions of later validators after a ':'.
  const std::string type_name = option.get_type_name();
  return CLI::detail::split(type_name.substr(0, type_name.find(':')), '|');
}

}  // namespace ringctl
